"""The control plane /_sim: everything that is not VSee's."""
