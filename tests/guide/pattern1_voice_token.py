# ruff: noqa
# The guide's "Python equivalent" (Pattern 1), verbatim. get_current_user comes from the test.
import httpx
from fastapi import APIRouter, Depends
router = APIRouter()
@router.post("/voice-token")
async def get_voice_token(user=Depends(get_current_user)):
    async with httpx.AsyncClient() as client:
        r = await client.post(
            "https://api.oshara.ai/api/agents/agent-session/",
            headers={"Origin": "https://yoursite.com"},
            json={
                "agent": "support-bot",
                "metadata": {
                    "user_id": str(user.id),
                    "user_name": user.full_name,
                    "user_email": user.email,
                }
            }
        )
        data = r.json()
        return {"token": data["token"], "livekit_url": data["livekit_url"]}
