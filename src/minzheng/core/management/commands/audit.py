from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minzheng.core import audit


class Command(BaseCommand):
    help = (
        "Audit trail. `audit verify [--checkpoint FILE|DIR]` checks the keyed hash chain (and, with a "
        "checkpoint, that nothing up to it was rewritten or deleted) and names the first bad event; "
        "`audit checkpoint [--to FILE|DIR]` verifies the chain and writes its signed head; "
        "`audit reseal` seals the whole chain under the current key (after upgrading or rotating keys); "
        "`audit seal` seals the events written since the last sealing into the chain now (the server "
        "and the worker do it within seconds of every commit)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "checkpoint", "reseal", "seal"])
        parser.add_argument(
            "--checkpoint",
            type=Path,
            help="verify: a checkpoint file, or a folder (its newest is used)",
        )
        parser.add_argument(
            "--to",
            type=Path,
            help="checkpoint: file or folder to write to (default: MINZHENG_AUDIT_CHECKPOINT_DIR)",
        )
        parser.add_argument(
            "--no-verify",
            action="store_true",
            help="checkpoint: sign the head without verifying the chain first",
        )
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="verify: only read; events not sealed yet are counted as unsealed, not verified",
        )

    def handle(self, *args, action, checkpoint, to, no_verify, no_seal, **opts):
        try:
            getattr(self, f"_{action}")(
                checkpoint=checkpoint, to=to, no_verify=no_verify, no_seal=no_seal
            )
        except audit.CheckpointError as exc:
            raise CommandError(str(exc)) from exc

    def _seal(self, **_):
        result = audit.seal_pending()
        if result.blocked_at is not None:
            raise CommandError(
                f"{result.sealed} events sealed; sealing stopped at event #{result.blocked_at}: {result.reason}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.sealed} events sealed; the chain holds {result.head_pos} events"
            )
        )

    def _verify(self, *, checkpoint, no_seal, **_):
        mark = audit.read_checkpoint(checkpoint) if checkpoint else None
        report = audit.verify_chain(checkpoint=mark, seal=not no_seal)
        if not report.ok:
            raise CommandError(report.describe())
        self.stdout.write(self.style.SUCCESS(report.describe()))

    def _checkpoint(self, *, to, no_verify, **_):
        mark = audit.head_checkpoint()
        if not no_verify:
            # Signing a tampered head would bless it; the chain must hold up to the head first.
            report = audit.verify_chain(checkpoint=mark, seal=False)
            if not report.ok:
                raise CommandError(f"no checkpoint written: {report.describe()}")
        path = audit.write_checkpoint(mark, to)
        self.stdout.write(
            self.style.SUCCESS(
                f"checkpoint written to {path}: event #{mark.seq}, {mark.events} events, hash {mark.hash}"
            )
        )

    def _reseal(self, *, to, **_):
        result = audit.reseal()
        path = audit.write_checkpoint(audit.head_checkpoint(), to)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.events} events re-sealed under key {audit.current_key().key_id}; "
                f"earlier checkpoints no longer match, a new one is at {path}"
            )
        )
