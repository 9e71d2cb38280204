"""The `docqa` command line. Library errors become one-line messages here, at the edge."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import click

from corpus.chunking import ChunkingConfig, chunk_document
from corpus.demo import demo_paths
from corpus.readers import ReadResult, read_documents


def _emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def _report_error(result: ReadResult) -> None:
    click.echo(f"error: {result.error}", err=True)


def _documents(files: tuple[str, ...]) -> Iterator[ReadResult]:
    if not files:
        raise click.UsageError("give at least one FILE or folder")
    yield from read_documents(files)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="docqa")
def cli() -> None:
    """docqa: ask questions about Chinese and English documents, with verified citations."""


@cli.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
def clean(files: tuple[str, ...], as_json: bool) -> None:
    """Print the cleaned text and metadata of FILES (files or folders)."""
    failed = 0
    for result in _documents(files):
        if result.document is None:
            failed += 1
            _report_error(result)
            continue
        doc = result.document
        if as_json:
            _emit_json(doc.to_json())
            continue
        click.echo(f"# {doc.title or '(untitled)'}")
        meta = [
            f"{k}: {v}"
            for k, v in (("date", doc.date), ("source", doc.source), ("author", doc.author))
            if v
        ]
        meta.append(f"path: {doc.path}")
        click.echo("\n".join(meta))
        click.echo()
        click.echo("\n\n".join(doc.paragraph_texts()))
        click.echo()
    sys.exit(1 if failed else 0)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="One JSON object per chunk.")
@click.option("--max-chars", default=400, show_default=True, help="Largest chunk, in characters.")
@click.option(
    "--overlap",
    default=0,
    show_default=True,
    help="Characters of whole sentences repeated between chunks.",
)
def chunks(files: tuple[str, ...], as_json: bool, max_chars: int, overlap: int) -> None:
    """Print the chunks of FILES with their offsets in the cleaned text."""
    try:
        config = ChunkingConfig(max_chars=max_chars, overlap=overlap)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    failed = 0
    for result in _documents(files):
        if result.document is None:
            failed += 1
            _report_error(result)
            continue
        for chunk in chunk_document(result.document, config):
            if as_json:
                _emit_json({**chunk.to_json(), "title": result.document.title, "path": result.path})
            else:
                click.echo(f"[{chunk.doc_id}#{chunk.index} {chunk.start}-{chunk.end} {chunk.id}]")
                click.echo(chunk.text)
                click.echo()
    sys.exit(1 if failed else 0)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="The summary as one JSON object.")
def demo(as_json: bool) -> None:
    """Ingest the shipped demo corpus and print a summary."""
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for result in read_documents(demo_paths()):
        if result.document is None:
            _report_error(result)
            continue
        doc = result.document
        n_chunks = len(chunk_document(doc))
        rows.append(
            {
                "id": doc.id,
                "title": doc.title,
                "date": doc.date,
                "source": doc.source,
                "author": doc.author,
                "paragraphs": len(doc.paragraphs),
                "chars": len(doc.text),
                "chunks": n_chunks,
            }
        )
    seconds = time.perf_counter() - t0
    if as_json:
        _emit_json({"documents": rows, "seconds": round(seconds, 3)})
        return
    click.echo(
        f"demo corpus: {len(rows)} documents, {sum(r['chunks'] for r in rows)} chunks, {seconds:.2f} s"
    )
    for r in rows:
        click.echo(f"- {r['title']}")
        click.echo(
            f"  {r['date'] or 'no date'} · {r['source'] or 'no source'} · {r['author'] or 'no author'} · "
            f"{r['paragraphs']} paragraphs · {r['chars']} chars · {r['chunks']} chunks"
        )


def main() -> None:
    cli(prog_name="docqa")


if __name__ == "__main__":
    main()
