"""HTTP on the wire: the transport seam, the response record and Server-Sent Events."""
