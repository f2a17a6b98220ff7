"""Test-session settings.

SCIPY_ARRAY_API must be set before scipy is first imported; with it,
scikit-learn's estimator checks also run their array-API input check on
``nets.MLPClassifier`` instead of skipping it.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
