curl -X POST https://api.oshara.ai/api/auth/refresh/ \
-d '{"refresh": "eyJhbGci..."}'
