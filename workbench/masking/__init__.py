"""What the workbench shows instead of personal data: masked fields (138****5678) and hidden
small groups in figures. Pure rules, below every package that shows data."""
