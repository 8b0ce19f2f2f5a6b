"""Running: the step loop, the runtime context, request building, retry timing."""
