"""autonode: a scalar autograd engine you can read node by node.

>>> from autonode import Value
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> e = (a * b).tanh()
>>> e.backward()
"""

from autonode.errors import AnomalyError, AutonodeError, DomainError, ExpressionError
from autonode.forward import Dual
from autonode.functional import grad, hessian, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp
from autonode.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_gradient
from autonode.graph import Step, backward_steps, edges, leaves, topological_order
from autonode.modes import detect_anomaly, enable_grad, gc_paused, is_grad_enabled, no_grad
from autonode.ops import OPS, Op
from autonode.value import Value, dot, logsumexp, vsum

__version__ = "0.1.0"

__all__ = [
    "OPS", "AnomalyError", "AutonodeError", "DomainError", "ExpressionError", "GradcheckError",
    "Op", "Step", "Value", "backward_steps", "detect_anomaly", "dot", "edges", "enable_grad", "gradcheck",
    "gradgradcheck",
    "gc_paused", "is_grad_enabled", "leaves", "logsumexp", "no_grad", "numerical_gradient", "topological_order", "vsum",
    "Dual", "grad", "hessian", "jacfwd", "jacobian", "jacrev", "jvp", "value_and_grad", "vjp",
]
