"""A learner-typed surface such as `sin(x)*y + 0.1*(x^2+y^2)`, parsed safely into a JAX function.

Nothing here calls `eval`, `exec`, `compile` or sympy. The text is checked character by
character, its parentheses are counted, and only then is it handed to `ast.parse` (which builds
a syntax tree and runs nothing). Every node of that tree must be on an allow-list — numbers,
`x`, `y`, `pi`, `e`, + − * / and powers with a small constant exponent, and the named functions
below — and the tree is limited in size and depth. The accepted tree becomes a closure over
`jax.numpy` functions.

Each new expression is a new function, so it compiles once; the same text typed again reuses
the compiled program (see `Surface`'s equality).
"""

import ast
import dataclasses
import functools
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

MAX_LENGTH = 128
MAX_NODES = 100
MAX_DEPTH = 64
MAX_PAREN_DEPTH = 16
MAX_EXPONENT = 10
ALLOWED_CHARS = frozenset(
    "0123456789.+-*/^() \tabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

# name -> (jax function, numpy function); the numpy twin locates where a surface is not finite.
FUNCTIONS: dict[str, tuple[Callable, Callable]] = {
    "sin": (jnp.sin, np.sin),
    "cos": (jnp.cos, np.cos),
    "tan": (jnp.tan, np.tan),
    "exp": (jnp.exp, np.exp),
    "log": (jnp.log, np.log),
    "sqrt": (jnp.sqrt, np.sqrt),
    "abs": (jnp.abs, np.abs),
    "tanh": (jnp.tanh, np.tanh),
    "sinh": (jnp.sinh, np.sinh),
    "cosh": (jnp.cosh, np.cosh),
    "atan": (jnp.arctan, np.arctan),
    "arctan": (jnp.arctan, np.arctan),
    "sigmoid": (jax.nn.sigmoid, lambda v: 1 / (1 + np.exp(-v))),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")
BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
GRAMMAR = "numbers, x, y, pi, e, + - * / ^ (or **), parentheses and " + ", ".join(
    f"{name}(…)" for name in FUNCTIONS
)

Evaluator = Callable[[object, object], object]


class ExpressionError(ValueError):
    """A typed expression that is not accepted; `position` is the 0-based offending character."""

    def __init__(self, message: str, text: str = "", position: int | None = None):
        super().__init__(message)
        self.message = message
        self.text = text
        self.position = position

    def pointer(self) -> str:
        """The expression with a caret under the problem, for a monospace message."""
        if self.position is None or not self.text:
            return self.text
        return f"{self.text}\n{' ' * self.position}^"


@dataclasses.dataclass(frozen=True)
class Expression:
    """An accepted expression: its normalised text and its JAX and NumPy evaluators f(x, y)."""

    text: str
    jax_fn: Evaluator = dataclasses.field(compare=False)
    numpy_fn: Evaluator = dataclasses.field(compare=False)
    tree: ast.AST = dataclasses.field(compare=False, repr=False)


@functools.lru_cache(maxsize=256)
def parse_expression(text: str) -> Expression:
    """Checks `text` against the grammar and builds f(x, y).

    Raises:
      ExpressionError: with the position of the offending character.
    """
    text = text.strip()
    _check_characters(text)
    source, positions = _translate_powers(text)
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as error:
        offset = (error.offset or 1) - 1
        raise ExpressionError(
            "this is not a formula here: check for a missing operator (2*x, not 2x)",
            text,
            _original(positions, offset),
        ) from None
    _check_tree(tree, text, source, positions)
    return Expression(
        text=text,
        jax_fn=_build(tree, backend=0),
        numpy_fn=_build(tree, backend=1),
        tree=tree,
    )


def _check_characters(text: str) -> None:
    if not text:
        raise ExpressionError("the expression is empty", text, 0)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression has {len(text)} characters; at most {MAX_LENGTH} are allowed",
            text[:MAX_LENGTH],
            MAX_LENGTH - 1,
        )
    for i, char in enumerate(text):
        if char not in ALLOWED_CHARS:
            raise ExpressionError(f"the character {char!r} is not allowed", text, i)
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth > MAX_PAREN_DEPTH:
            raise ExpressionError(f"parentheses nest deeper than {MAX_PAREN_DEPTH} levels", text, i)
        if depth < 0:
            raise ExpressionError("this ')' closes nothing", text, i)
    if depth:
        raise ExpressionError("a '(' is never closed", text, text.rfind("("))


def _translate_powers(text: str) -> tuple[str, list[int]]:
    """`^` → `**` (a power, not Python's xor), with each new character's original position."""
    chars, positions = [], []
    for i, char in enumerate(text):
        replacement = "**" if char == "^" else char
        chars.append(replacement)
        positions += [i] * len(replacement)
    positions.append(len(text))
    return "".join(chars), positions


def _original(positions: list[int], offset: int) -> int:
    return positions[min(max(offset, 0), len(positions) - 1)]


def _check_tree(tree: ast.AST, text: str, source: str, positions: list[int]) -> None:
    """Every node allowed, at most MAX_NODES of them, at most MAX_DEPTH deep."""
    count = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        where = _original(positions, _offset(node, source))
        if count > MAX_NODES:
            raise ExpressionError(f"the expression has more than {MAX_NODES} parts", text, where)
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression nests deeper than {MAX_DEPTH} levels", text, where
            )
        _check_node(node, text, where, positions)
        stack += [(child, depth + 1) for child in _children(node)]


def _offset(node: ast.AST, source: str) -> int:
    """Where a node starts; for a binary operation, where its operator is (after the left side)."""
    if not isinstance(node, ast.BinOp):
        return getattr(node, "col_offset", 0)
    offset = node.left.end_col_offset or 0
    while offset < len(source) - 1 and source[offset] in " \t)":
        offset += 1
    return offset


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp):
        return [node.left] if isinstance(node.op, ast.Pow) else [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _check_node(node: ast.AST, text: str, where: int, positions: list[int]) -> None:
    if isinstance(node, ast.Constant):
        _number(node, text, where)
    elif isinstance(node, ast.Name):
        if node.id not in VARIABLES and node.id not in CONSTANTS:
            hint = " (it is a function: write it with parentheses)" if node.id in FUNCTIONS else ""
            raise ExpressionError(
                f"unknown name '{node.id}'{hint}; allowed: {GRAMMAR}", text, where
            )
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        pass
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        exponent = _constant_exponent(node.right)
        if exponent is None or abs(exponent) > MAX_EXPONENT:
            hint = "; for e to a power write exp(…)" if ast.unparse(node.left) == "e" else ""
            raise ExpressionError(
                f"an exponent must be a plain number between −{MAX_EXPONENT} and "
                f"{MAX_EXPONENT}{hint}",
                text,
                _original(positions, node.right.col_offset),
            )
    elif isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        pass
    elif isinstance(node, ast.Call):
        _check_call(node, text, where)
    else:
        raise ExpressionError(
            f"'{ast.unparse(node)[:20]}' is not allowed; allowed: {GRAMMAR}", text, where
        )


def _number(node: ast.Constant, text: str, where: int) -> float:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExpressionError(f"{value!r} is not a real number", text, where)
    if not math.isfinite(float(value)) or abs(value) > 1e30:
        raise ExpressionError("this number is too large", text, where)
    return float(value)


def _constant_exponent(node: ast.AST) -> float | None:
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sign * float(node.value)
    return None


def _check_call(node: ast.Call, text: str, where: int) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)[:20]
        raise ExpressionError(
            f"unknown function '{name}'; allowed: {', '.join(FUNCTIONS)}", text, where
        )
    if len(node.args) != 1 or node.keywords:
        raise ExpressionError(f"{node.func.id}(…) takes exactly one argument", text, where)


def _build(node: ast.AST, backend: int) -> Evaluator:
    """A closure f(x, y) for a checked tree; backend 0 = jax.numpy, 1 = numpy."""
    if isinstance(node, ast.Constant | ast.Name) and not _is_variable(node):
        # float32 NumPy scalars: constant-only arithmetic such as 1/0 gives inf (flagged by
        # `first_non_finite`), never a Python ZeroDivisionError, and stays float32 under JAX.
        value = np.float32(node.value if isinstance(node, ast.Constant) else CONSTANTS[node.id])
        return lambda x, y: value
    if isinstance(node, ast.Name):
        return (lambda x, y: x) if node.id == "x" else (lambda x, y: y)
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand, backend)
        if isinstance(node.op, ast.USub):
            return lambda x, y: -operand(x, y)
        return operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, exponent = _build(node.left, backend), _constant_exponent(node.right)
        power = int(exponent) if float(exponent).is_integer() else exponent
        return lambda x, y: base(x, y) ** power
    if isinstance(node, ast.BinOp):
        left, right = _build(node.left, backend), _build(node.right, backend)
        op = BINARY[type(node.op)]
        return lambda x, y: op(left(x, y), right(x, y))
    function = FUNCTIONS[node.func.id][backend]
    argument = _build(node.args[0], backend)
    return lambda x, y: function(argument(x, y))


def _is_variable(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in VARIABLES


def first_non_finite(expression: Expression, xs: np.ndarray, ys: np.ndarray) -> str | None:
    """Where on the grid the expression (or a part of it) stops being finite, in words; else None.

    Walks the tree in NumPy float32 and reports the innermost part that is non-finite somewhere
    although everything inside it is finite — e.g. "log(x) is not finite at x = -5, y = -5".
    """
    x, y = np.meshgrid(np.asarray(xs, np.float32), np.asarray(ys, np.float32))
    with np.errstate(all="ignore"):
        return _locate(expression.tree, x, y)


def _locate(node: ast.AST, x: np.ndarray, y: np.ndarray) -> str | None:
    for child in _children(node):
        found = _locate(child, x, y)
        if found:
            return found
    with np.errstate(all="ignore"):
        values = np.broadcast_to(
            np.asarray(_build(node, backend=1)(x, y), dtype=np.float32), x.shape
        )
    bad = ~np.isfinite(values)
    if not bad.any():
        return None
    row, col = np.argwhere(bad)[0]
    return f"{ast.unparse(node)} is not finite at x = {x[row, col]:.3g}, y = {y[row, col]:.3g}"
