"""The Twilio webhook server, an edge: Starlette under uvicorn, checking each request's
signature and calling the hotline and the SMS reply use cases."""
