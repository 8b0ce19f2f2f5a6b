"""Loading: reading files with positions, the typed model, the run plan, inputs."""

__all__: list[str] = []
