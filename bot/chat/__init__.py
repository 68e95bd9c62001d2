"""What the chat adapters share: buttons, pacing, connection state and planning a digest's
parts.
"""
