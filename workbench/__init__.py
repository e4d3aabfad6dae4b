"""The contact-centre and CRM workbench for a membership business."""

__version__ = "0.1.0"
