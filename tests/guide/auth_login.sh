curl -X POST https://api.oshara.ai/api/auth/login/ \
-H "Content-Type: application/json" \
-d '{"email": "you@yoursite.com", "password": "yourpassword"}'
