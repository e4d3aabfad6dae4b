"""The Textual workbench for agents, supervisors and managers. Only this package imports textual."""
