"""Demand fixtures: the sharing ones (a clock, people of 市民政局 / 市公安局 / the authority, the 8-item entry)."""
from tests.sharing.conftest import conditional_entry, people  # noqa: F401

VALUES = {"title": "低保申请人户籍信息", "items": "姓名、公民身份号码\n户籍地址", "purpose": "低保审核",
          "scenario": "社会救助审批时核对申请人户籍", "legal_basis": "《社会救助暂行办法》第十一条", "urgency": "urgent"}
