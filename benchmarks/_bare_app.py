"""The baseline server for bench_http: a bare FastAPI route on the same uvicorn settings."""

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.put("/hello")
def hello() -> dict:
    return {"message_types": ["sms", "voice"]}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
