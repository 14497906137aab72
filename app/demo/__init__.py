"""The demo city 示例市 (not part of any domain): reference data, demo accounts and a realistic catalog."""
from .generator import (DATA, DEFAULT_SEED, DEMO_PASSWORD, DEMO_USERS, generate, generate_deadlines, generate_requests,
                        is_empty, load_reference_data)

__all__ = ["DATA", "DEFAULT_SEED", "DEMO_PASSWORD", "DEMO_USERS", "generate", "generate_deadlines", "generate_requests",
           "is_empty", "load_reference_data"]
