"""Protection of member data: masking, scopes, grants, reveal with reason, audit."""
