"""The Customers list on a phone: each customer a card whose name is a one-tap link to their own
page (``/customer?id=N``), with what the counter needs (owes, overdue, days late, phone); search,
sort, "only overdue" and paging still narrow it. Edit and remove live on the customer's page."""
from __future__ import annotations

from khata import customers, principals, staff
from khata.accounts import change_password
from tests.roots import OWNER, env_root, root_at

from .conftest import app, find, open_page, shown

SHOP = 1
ODD = "Meena [x](http://evil.example) **bold** :red[r] <b>h</b>"


def _cards(at) -> list[tuple[int, str]]:
    """(customer id, name as read) of every customer link, checking each targets the customer page."""
    found = []
    for link in at.get("page_link"):
        if link.proto.page == "customer":
            key, _, value = link.proto.query_string.partition("=")
            assert key == "id" and value.isdigit(), link.proto.query_string
            found.append((int(value), shown(link.proto.label)))
    return found


def _captions(at) -> list[str]:
    return [shown(c.value) for c in at.caption]


def test_every_row_links_to_that_customers_page_across_pages(demo_db):
    every = {c["customer_id"]: c for c in env_root().read(SHOP, OWNER, customers.list_customers)}
    at = open_page(app(), "customers.py")
    first = _cards(at)
    assert len(first) == 25 < len(every)  # a page of cards, not a 9-column table
    assert not at.dataframe
    at.number_input(key="cu_page").set_value(2).run()
    second = _cards(at)
    assert second and not {cid for cid, _ in first} & {cid for cid, _ in second}
    for cid, name in first + second:
        assert every[cid]["name"] == name
    # the same order as the list's sort (name): the tap opens the row the eye is on
    assert [name for _, name in first] == sorted(name for _, name in first)


def test_each_card_says_what_is_owed_overdue_and_the_phone(demo_db):
    late = next(c for c in env_root().read(SHOP, OWNER, customers.list_customers, sort="overdue", descending=True))
    at = open_page(app(), "customers.py")
    find(at, "cu_search", late["name"])
    assert _cards(at)[0] == (late["customer_id"], late["name"])
    line = next(c for c in _captions(at) if c.startswith("Owes "))
    assert line.startswith(f"Owes ₹{late['outstanding']:,.2f} · ")
    assert f"₹{late['overdue']:,.2f} overdue, {late['max_days_past_due']} days late" in line
    assert line.endswith(late["phone"][3:8] + " " + late["phone"][8:])  # +91 98765 43210


def test_only_overdue_and_sort_narrow_the_links(demo_db):
    at = open_page(app(), "customers.py")
    at.checkbox(key="cu_overdue").check().run()
    overdue = {c["customer_id"] for c in env_root().read(SHOP, OWNER, customers.list_customers, only_overdue=True)}
    shown_ids = [cid for cid, _ in _cards(at)]
    assert shown_ids and set(shown_ids) <= overdue
    at.selectbox(key="cu_sort").set_value("outstanding").run()
    at.toggle(key="cu_desc").set_value(True).run()
    biggest = env_root().read(SHOP, OWNER, customers.list_customers, sort="outstanding", descending=True,
                              only_overdue=True)[0]
    assert _cards(at)[0][0] == biggest["customer_id"]


def test_a_name_with_markup_is_a_link_shown_as_typed(demo_db):
    odd = env_root().write(SHOP, OWNER, customers.create_customer, name=ODD, phone="98450 44444")
    at = open_page(app(), "customers.py")
    find(at, "cu_search", "Meena")
    [link] = [p for p in at.get("page_link") if p.proto.query_string == f"id={odd['customer_id']}"]
    assert shown(link.proto.label) == ODD
    assert "](" not in link.proto.label.replace("\\]\\(", "") and "**bold**" not in link.proto.label


def test_edit_and_remove_are_on_the_customer_page_remove_only_for_the_owner(demo_db):
    person = env_root().read(SHOP, OWNER, customers.list_customers)[-1]
    root_at(demo_db).write(SHOP, principals.owner("demo"), staff.add_staff, username="sunil", name="Sunil Rao",
                           password="Staff@1234")
    change_password(root_at(demo_db), "sunil", "Staff@1234", "Mine@5678")
    for username, may_remove in (("demo", True), ("sunil", False)):
        at = app(username)
        at.run()
        at.query_params["id"] = str(person["customer_id"])
        at.switch_page("dashboard/app_pages/customer.py").run()
        assert not at.exception, at.exception
        assert at.text_input(key=f"ce_name_{person['customer_id']}").value == person["name"]
        assert bool([e for e in at.expander if "Remove this customer" in e.label]) is may_remove, username
        assert bool([b for b in at.button if b.key == f"cr_button_{person['customer_id']}"]) is may_remove
        assert bool([t for t in at.text_input if t.key == f"ce_limit_{person['customer_id']}"]) is may_remove
