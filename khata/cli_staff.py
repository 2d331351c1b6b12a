"""`khata staff add|list|disable|enable|reset-password`: an operator manages a shop's logins.

``--shop`` names the shop by its owner's username; the commands run as the named
system principal ``CLI_OPERATOR`` (the audit log says "cli-operator"), through the
same services as the Account page.
"""
from __future__ import annotations

from .errors import KhataError
from .i18n import _


def add_parsers(sub, db_arg, parser_class) -> None:
    p = sub.add_parser("staff", help="a shop's staff logins: add, list, disable, enable, reset-password")
    what = p.add_subparsers(dest="what", required=True, parser_class=parser_class)

    def shop(c):
        c.add_argument("--shop", required=True, metavar="OWNER", help="the shop owner's username")
        db_arg(c)

    c = what.add_parser("add", help="a new login; the first password must be changed at the first login")
    shop(c)
    c.add_argument("--username", required=True, metavar="NAME")
    c.add_argument("--name", required=True, metavar="FULL NAME")
    c.add_argument("--password", required=True, metavar="FIRST", help="the first password (changed at first login)")
    c.add_argument("--role", choices=("staff", "owner"), default="staff")
    c.set_defaults(func=cmd_add)

    c = what.add_parser("list", help="one line per login: username, role, active or disabled")
    shop(c)
    c.set_defaults(func=cmd_list, read_only=True)

    for name, func, helptext in (("disable", cmd_disable, "turn a login off at once (open sessions too)"),
                                 ("enable", cmd_enable, "turn a disabled login on again")):
        c = what.add_parser(name, help=helptext)
        shop(c)
        c.add_argument("--username", required=True, metavar="NAME")
        c.set_defaults(func=func)

    c = what.add_parser("reset-password", help="a new first password, to be changed at the next login")
    shop(c)
    c.add_argument("--username", required=True, metavar="NAME")
    c.add_argument("--password", required=True, metavar="FIRST")
    c.set_defaults(func=cmd_reset)


def _for_shop(args, service, *a, **kw):
    from .accounts import get_shopkeeper, is_active
    from .principals import CLI_OPERATOR

    owner = get_shopkeeper(args.root, args.shop)
    if owner is None or owner.get("role") != "owner" or not is_active(owner):
        raise KhataError(_("There is no shop owner with the username '{username}'.").format(username=args.shop))
    if args.root.read_only:  # `staff list`: one read, the book opened read-only
        return args.root.read(owner["shop_id"], CLI_OPERATOR, service, *a, **kw)
    return args.root.write(owner["shop_id"], CLI_OPERATOR, service, *a, **kw)


def cmd_add(args) -> int:
    from .staff import add_staff

    login = _for_shop(args, add_staff, username=args.username, name=args.name, password=args.password,
                      login_role=args.role)
    print(_("Added {username} ({role}); the first password must be changed at the first login.")
          .format(username=login["username"], role=login["role"]))
    return 0


def cmd_list(args) -> int:
    from .staff import list_staff

    for login in _for_shop(args, list_staff):
        print(f"{login['username']}\t{login['role']}\t{'active' if login['active'] else 'disabled'}")
    return 0


def cmd_disable(args) -> int:
    from .staff import set_staff_active

    login = _for_shop(args, set_staff_active, args.username, False)
    print(_("{username} is disabled.").format(username=login["username"]))
    return 0


def cmd_enable(args) -> int:
    from .staff import set_staff_active

    login = _for_shop(args, set_staff_active, args.username, True)
    print(_("{username} is active.").format(username=login["username"]))
    return 0


def cmd_reset(args) -> int:
    from .staff import reset_staff_password

    login = _for_shop(args, reset_staff_password, args.username, args.password)
    print(_("New first password set for {username}.").format(username=login["username"]))
    return 0
