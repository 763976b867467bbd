"""The `preciso` command: database, local stack and extraction, outside Dagster."""

import typer

from preciso_dagster.cli import check_numbers, db, extract, stack, train

app = typer.Typer(
    help="Preciso pipelines: app database, local stack, extraction, training.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.command("stack")(stack.run_stack)
app.command("worker-config")(stack.write_worker_config)
app.command("extract")(extract.extract)
app.command("check-numbers")(check_numbers.check_numbers)
app.command("train")(train.train)
