"""Register, list and revoke Data Rights Protocol agents (the service directory is not reachable everywhere).

    python manage.py drp_agent add --id CR_AA_DRP_ID_001 --verify-key <base64 or hex> [--name "Permission Slip"]
    python manage.py drp_agent list
    python manage.py drp_agent revoke --id CR_AA_DRP_ID_001
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from drp import selectors, services


class Command(BaseCommand):
    help = "Register (add), list or revoke authorized agents of the Data Rights Protocol."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Register an agent with its Ed25519 verify key.")
        add.add_argument("--id", required=True, dest="agent_id")
        add.add_argument("--verify-key", required=True, dest="verify_key", help="base64 or hex, 32 bytes")
        add.add_argument("--name", default="")
        sub.add_parser("list", help="List registered agents.")
        revoke = sub.add_parser("revoke", help="Revoke an agent and its bearer token.")
        revoke.add_argument("--id", required=True, dest="agent_id")

    def handle(self, *args, action: str, **options) -> None:
        try:
            if action == "add":
                agent = services.agent_register(agent_id=options["agent_id"], verify_key=options["verify_key"],
                                                name=options["name"])
                self.stdout.write(f"Registered {agent.agent_id} ({agent.name or 'no name'}); verify key "
                                  f"{agent.verify_key}. The agent now completes pairwise setup at POST "
                                  f"/v1/agent/{agent.agent_id}.")
            elif action == "revoke":
                agent = services.agent_revoke(agent_id=options["agent_id"])
                self.stdout.write(f"Revoked {agent.agent_id}.")
            else:
                for agent in selectors.agents_all():
                    state = "revoked" if agent.revoked_at else ("paired" if agent.token_hash else "not paired")
                    self.stdout.write(f"{agent.agent_id}\t{agent.name or '-'}\t{state}\t{agent.verify_key}")
        except services.AgentProblem as exc:
            raise CommandError(str(exc)) from None
