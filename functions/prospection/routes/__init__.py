"""The prospection API's routes, one router per resource; app.py includes them in its resolver."""
