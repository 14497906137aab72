"""The workflow core (流程引擎): workflows declared as data, fired only through the engine. See engine.py."""
from .diagram import Edge, Node, render_mermaid, render_svg
from .engine import (REGISTRY, Deadline, Grant, Guard, Relation, State, Transition, Workflow, WorkflowViolation,
                     firing)

__all__ = ["REGISTRY", "Deadline", "Edge", "Grant", "Guard", "Node", "Relation", "State", "Transition", "Workflow",
           "WorkflowViolation", "firing", "render_mermaid", "render_svg"]
