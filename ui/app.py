"""The Gradio Blocks app: Chat, Library, Translate, Evaluate. Handlers are thin: they call the
`DocqaService` and hand its records to `ui.render`, which escapes everything."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr

from corpus.errors import DocqaError
from corpus.settings import current
from index.filters import TYPES, FilterError, Filters
from qa.conversation import Turn
from qa.llm import local_model_installed
from qa.records import Answer
from ui import render
from ui.conversations import title_of, to_markdown
from ui.libraries import Libraries
from ui.service import DocqaService, ServiceError, Upload

USER_ERRORS = (DocqaError, ValueError)
FILTER_TYPES = TYPES
EXAMPLES = [
    "MiniMax 2025年全年总收入是多少？",
    "What was MiniMax's net loss in 2025?",
    "智谱上市首日股价表现如何？",
]
# What the chat shows until the first words arrive. A local model reads the passages before it
# writes (tens of seconds on 2 cores), so the wait is said, not left as a bare ellipsis.
WAITING = {
    "extractive": "…",
    "local": "… _the local model is reading the passages · 本地模型正在阅读资料_",
    "openai": "… _waiting for the model · 等待模型_",
}
# Gradio hands each event its own tracker; this default only marks the parameter.
PROGRESS = gr.Progress()
_TRANSLATE_JS = """
element.addEventListener('click', function (ev) {
  var b = ev.target.closest('.docqa-translate');
  if (!b) return;
  b.disabled = true; b.textContent = 'Translating… 翻译中…';
  trigger('click', {turn: Number(b.dataset.turn), n: Number(b.dataset.n)});
});
"""


def _engines() -> list[str]:
    settings = current()
    names = ["extractive"]
    if local_model_installed():
        names.append("local")
    if settings.openai_base_url and settings.openai_model:
        names.append("openai")
    return names


def _doc_choices(service: DocqaService) -> list[tuple[str, str]]:
    return [
        (f"{d['title'] or Path(d['source'] or '').name or d['id']} ({d['id'][:8]})", d["id"])
        for d in service.documents()
    ]


def _doc_rows(service: DocqaService) -> list[list[Any]]:
    return [
        [
            d["id"][:12],
            d["title"] or "(untitled)",
            render.show_date(d["date"]) or "",
            d["publisher"] or "",
            Path(d["source"] or "").name,
            d["chunks"],
            d["chars"],
        ]
        for d in service.documents()
    ]


def _conversation_choices(service: DocqaService) -> list[tuple[str, str]]:
    """The library's stored conversations, latest first, as dropdown choices."""
    return [
        (
            f"{c.title or '(untitled)'} · {time.strftime('%m-%d %H:%M', time.localtime(c.updated))}",
            c.id,
        )
        for c in service.conversations.recent(50)
    ]


def _export_file(service: DocqaService, conv_id: str) -> str:
    """The conversation as a Markdown file for the Export button (written again after each turn)."""
    out = Path(tempfile.gettempdir()) / "docqa-exports"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"docqa-conversation-{conv_id}.md"  # Gradio serves a copy keyed by its content
    path.write_text(to_markdown(service.conversations.get(conv_id)), encoding="utf-8")
    return str(path)


def _status_line(service: DocqaService, engine: str) -> str:
    snap = service.snapshot
    return (
        f"**Engine:** `{engine}` · **Index:** {len(snap.docs)} documents, {snap.n_chunks} chunks "
        f"· embedder `{snap.embedder_name}`"
    )


def build_ui(libraries: Libraries) -> gr.Blocks:
    service = libraries.get()
    notes = service.open()
    engines = _engines()
    default_engine = service.engine_name if service.engine_name in engines else engines[0]

    def served(name: str | None) -> DocqaService:
        return libraries.get(name or None)

    with gr.Blocks(title="docqa", fill_width=True) as demo:
        gr.Markdown("## docqa · 文档问答 — answers cited to the exact passage")
        with gr.Row():
            library = gr.Dropdown(
                libraries.names(),
                value=libraries.default,
                label="Library · 文档库",
                scale=1,
                elem_id="docqa-library",
            )
            status = gr.Markdown(_status_line(service, default_engine), elem_id="docqa-status")
        if notes:
            gr.Markdown("\n".join(f"ℹ️ {render.md_text(n)}" for n in notes), elem_id="docqa-notes")
        turns = gr.State([])
        conv_id = gr.State(None)  # the stored conversation the chat is (None: not stored yet)

        with gr.Tab("Chat · 问答", id="chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    height=520,
                    elem_id="docqa-chat",
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                    placeholder="Ask in Chinese or English · 用中文或英文提问",
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask a question · 输入问题",
                        show_label=False,
                        scale=5,
                        elem_id="docqa-question",
                        max_lines=4,
                    )
                    ask_btn = gr.Button(
                        "Ask · 提问", variant="primary", scale=1, elem_id="docqa-ask"
                    )
                with gr.Row():
                    engine = gr.Dropdown(
                        engines,
                        value=default_engine,
                        label="Engine",
                        scale=1,
                        elem_id="docqa-engine",
                    )
                    clear = gr.Button("New conversation · 新对话", scale=1, elem_id="docqa-new")
                with gr.Accordion("Filters · 筛选", open=False, elem_id="docqa-filters"):
                    with gr.Row():
                        fl_docs = gr.Dropdown(
                            _doc_choices(service),
                            multiselect=True,
                            label="Documents · 文档",
                            scale=3,
                            elem_id="docqa-filter-docs",
                        )
                        fl_types = gr.CheckboxGroup(
                            list(FILTER_TYPES),
                            label="File types · 文件类型",
                            scale=3,
                            elem_id="docqa-filter-types",
                        )
                    with gr.Row():
                        fl_source = gr.Textbox(
                            label="Source · 来源",
                            placeholder="新华网",
                            elem_id="docqa-filter-source",
                        )
                        fl_after = gr.Textbox(
                            label="From · 起", placeholder="2025-01", elem_id="docqa-filter-after"
                        )
                        fl_before = gr.Textbox(
                            label="To · 止", placeholder="2025-12-31", elem_id="docqa-filter-before"
                        )
                        fl_title = gr.Textbox(
                            label="Title words · 标题",
                            placeholder="年报",
                            elem_id="docqa-filter-title",
                        )
                with gr.Row():
                    past = gr.Dropdown(
                        _conversation_choices(service),
                        value=None,
                        label="Past conversations · 历史对话",
                        scale=3,
                        elem_id="docqa-past",
                    )
                    export_btn = gr.DownloadButton(
                        "Export · 导出 (Markdown)",
                        value=None,
                        interactive=False,
                        scale=1,
                        elem_id="docqa-export",
                    )
                with gr.Row(visible=False, elem_id="docqa-fb-row") as fb_row:
                    fb_comment = gr.Textbox(
                        placeholder="What was wrong or right? (optional) · 说明（可选）",
                        show_label=False,
                        scale=4,
                        elem_id="docqa-fb-comment",
                    )
                    fb_send = gr.Button("Send · 提交", scale=1, elem_id="docqa-fb-send")
                fb_note = gr.Markdown(elem_id="docqa-fb-note")
                fb_target = gr.State(None)  # (seq, rating) of the answer last rated
                gr.Examples(EXAMPLES, inputs=question)
            with gr.Column(scale=2):
                gr.Markdown("### Sources · 来源")
                sources = gr.HTML(
                    render.sources_html([]),
                    elem_id="docqa-sources",
                    js_on_load=_TRANSLATE_JS,
                )

        def respond(
            message: str,
            chat: list[dict[str, Any]],
            state: list[dict[str, Any]],
            llm: str,
            lib: str | None,
            conv: str | None,
            docs: list[str] | None = None,
            types: list[str] | None = None,
            source: str = "",
            after: str = "",
            before: str = "",
            title: str = "",
        ):
            service = served(lib)
            message = (message or "").strip()
            same = (conv, gr.update(), gr.update())  # conversation, its picker, Export: unchanged
            if not message:
                yield chat, state, render.sources_html(state), "", *same
                return
            history = [Turn(t["question"], t["answer"]) for t in state]
            shown = render.sources_html(state)  # unchanged until the answer is in
            chat = [
                *chat,
                {"role": "user", "content": render.md_text(message)},
                {"role": "assistant", "content": WAITING.get(llm, WAITING["extractive"])},
            ]
            yield chat, state, shown, "", *same
            answer: Answer | None = None
            text = ""
            last = 0.0
            try:
                filters = Filters.from_json(
                    {
                        k: v
                        for k, v in {
                            "document": docs or [],
                            "type": types or [],
                            "source": [x for x in (source or "").split(",") if x.strip()],
                            "after": (after or "").strip(),
                            "before": (before or "").strip(),
                            "title": (title or "").split(),
                        }.items()
                        if v
                    }
                )
                for event in service.stream(message, history, llm, filters):
                    if isinstance(event, Answer):
                        answer = event
                    else:
                        text += event
                        if time.monotonic() - last > 0.1:
                            last = time.monotonic()
                            chat[-1] = {"role": "assistant", "content": render.md_text(text) + " ▌"}
                            yield chat, state, shown, "", *same
            except USER_ERRORS as exc:
                chat[-1] = {"role": "assistant", "content": "⚠️ " + render.md_text(str(exc))}
                yield chat, state, shown, "", *same
                return
            assert answer is not None
            turn = len(state)
            views = render.source_views(answer, turn, service.snapshot)
            # the turn is stored: a reload, another browser or `docqa chat --resume` finds it
            try:
                if conv is None:
                    conv = service.conversations.create(title_of(message)).id
                seq = service.conversations.append(conv, message, answer.to_json()).seq
            except USER_ERRORS as exc:  # deleted meanwhile: the answer is shown all the same
                gr.Warning(f"the conversation was not saved: {exc}")
                seq = None
            state = [
                *state,
                {
                    "question": message,
                    "answer": answer.text,
                    "sources": views,
                    "translations": {},
                    "seq": seq,
                    "chat_index": len(chat) - 1,
                    "comment": None,
                },
            ]
            chat[-1] = {"role": "assistant", "content": render.answer_markdown(answer, turn)}
            saved = conv if seq is not None else None
            yield (
                chat,
                state,
                render.sources_html(state),
                "",
                conv,
                gr.update(choices=_conversation_choices(service), value=saved),
                gr.update(value=_export_file(service, saved), interactive=True)
                if saved
                else gr.update(),
            )

        chat_outputs = [chatbot, turns, sources, question, conv_id, past, export_btn]
        filter_inputs = [fl_docs, fl_types, fl_source, fl_after, fl_before, fl_title]
        fl_docs.focus(lambda lib: gr.update(choices=_doc_choices(served(lib))), library, fl_docs)
        for trigger in (question.submit, ask_btn.click):
            trigger(
                respond,
                [question, chatbot, turns, engine, library, conv_id, *filter_inputs],
                chat_outputs,
                concurrency_limit=4,
            )

        def new_conversation(lib: str | None) -> tuple[Any, ...]:
            return (
                [],
                [],
                render.sources_html([]),
                None,
                gr.update(choices=_conversation_choices(served(lib)), value=None),
                gr.update(value=None, interactive=False),
                gr.update(visible=False),
                "",
            )

        fresh_outputs = [chatbot, turns, sources, conv_id, past, export_btn, fb_row, fb_note]
        clear.click(new_conversation, library, fresh_outputs)

        def open_conversation(cid: str | None, lib: str | None) -> tuple[Any, ...]:
            """A stored conversation back in the chat, with its sources."""
            service = served(lib)
            if not cid:
                return new_conversation(lib)
            try:
                stored = service.conversations.get(cid)
            except USER_ERRORS as exc:
                gr.Warning(str(exc))
                return new_conversation(lib)
            chat: list[dict[str, Any]] = []
            state: list[dict[str, Any]] = []
            for i, m in enumerate(stored.messages):
                a = Answer.from_json(m.answer)
                chat += [
                    {"role": "user", "content": render.md_text(m.question)},
                    {"role": "assistant", "content": render.answer_markdown(a, i)},
                ]
                state.append(
                    {
                        "question": m.question,
                        "answer": a.text,
                        "sources": render.source_views(a, i, service.snapshot),
                        "translations": {},
                        "seq": m.seq,
                        "chat_index": len(chat) - 1,
                        "comment": m.comment,
                    }
                )
            return (
                chat,
                state,
                render.sources_html(state),
                cid,
                gr.update(choices=_conversation_choices(service), value=cid),
                gr.update(value=_export_file(service, cid), interactive=True),
                gr.update(visible=False),
                "",
            )

        past.input(open_conversation, [past, library], fresh_outputs)

        def rate(
            evt: gr.LikeData, state: list[dict[str, Any]], conv: str | None, lib: str | None
        ) -> tuple[Any, ...]:
            index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
            turn = next((t for t in state if t.get("chat_index") == index), None)
            if conv is None or turn is None or turn.get("seq") is None:
                return (
                    None,
                    gr.update(visible=False),
                    "This answer was not saved, so it cannot be rated.",
                )
            rating = "up" if evt.liked else "down"
            served(lib).conversations.feedback(conv, turn["seq"], rating, turn.get("comment"))
            said = "helpful" if rating == "up" else "not helpful"
            return (
                (turn["seq"], rating),
                gr.update(visible=True),
                f"Saved: answer {turn['seq']} marked **{said}**. Add a comment? · 已记录，可补充说明",
            )

        chatbot.like(rate, [turns, conv_id, library], [fb_target, fb_row, fb_note])

        def send_comment(
            comment: str,
            target: Any,
            state: list[dict[str, Any]],
            conv: str | None,
            lib: str | None,
        ) -> tuple[Any, ...]:
            if not target or conv is None:
                return "", gr.update(visible=False), "", state
            seq, rating = target
            try:
                served(lib).conversations.feedback(
                    conv, seq, rating, (comment or "").strip() or None
                )
            except USER_ERRORS as exc:
                return comment, gr.update(visible=True), "⚠️ " + render.md_text(str(exc)), state
            state = [{**t, "comment": comment} if t.get("seq") == seq else t for t in state]
            return (
                "",
                gr.update(visible=False),
                f"Comment saved on answer {seq}. · 说明已保存",
                state,
            )

        for trigger in (fb_send.click, fb_comment.submit):
            trigger(
                send_comment,
                [fb_comment, fb_target, turns, conv_id, library],
                [fb_comment, fb_row, fb_note, turns],
            )

        def translate_source(
            state: list[dict[str, Any]], lib: str | None, evt: gr.EventData
        ) -> tuple[Any, str]:
            data = getattr(evt, "_data", None) or {}
            turn, n = data.get("turn"), data.get("n")
            if not isinstance(turn, int) or not 0 <= turn < len(state):
                return state, render.sources_html(state)
            view = next((v for v in state[turn]["sources"] if v.n == n), None)
            if view is None:
                return state, render.sources_html(state, turn)
            try:
                t = served(lib).translate_span(view.doc_id, view.start, view.end)
            except USER_ERRORS as exc:
                gr.Warning(str(exc))
                return state, render.sources_html(state, turn)
            state = list(state)
            state[turn] = {**state[turn], "translations": {**state[turn]["translations"], n: t}}
            return state, render.sources_html(state, turn)

        sources.click(translate_source, [turns, library], [turns, sources])

        # ---------------------------------------------------------------- Library
        with gr.Tab("Library · 文档库", id="library"):
            gr.Markdown(
                "Add HTML, TXT, PDF, DOCX or Markdown files (several at once). "
                "A file uploaded again under the same name replaces the earlier version."
            )
            with gr.Row():
                new_name = gr.Textbox(
                    label="New library · 新建文档库",
                    placeholder="a letter, then letters, digits or _",
                    scale=3,
                    elem_id="docqa-new-library",
                )
                new_btn = gr.Button("Create · 创建", scale=1, elem_id="docqa-create-library")
            files = gr.File(file_count="multiple", label="Files", elem_id="docqa-upload")
            add_btn = gr.Button("Add to library · 添加", variant="primary", elem_id="docqa-add")
            upload_out = gr.Markdown(elem_id="docqa-upload-result")
            table = gr.Dataframe(
                _doc_rows(service),
                headers=["id", "title", "date", "publisher", "file", "chunks", "chars"],
                interactive=False,
                elem_id="docqa-docs",
                wrap=True,
            )
            # on a phone-width screen the table is replaced by this list (CSS in ui.render)
            docs_list = gr.HTML(
                render.documents_list_html(service.documents()), elem_id="docqa-docs-list"
            )
            with gr.Row():
                pick = gr.Dropdown(
                    _doc_choices(service), label="Document", scale=3, elem_id="docqa-pick"
                )
                open_btn = gr.Button("Open · 查看", scale=1, elem_id="docqa-open")
                del_btn = gr.Button(
                    "Delete · 删除", variant="stop", scale=1, elem_id="docqa-delete"
                )
            with gr.Row(visible=False, elem_id="docqa-confirm-doc") as confirm_doc:
                confirm_doc_text = gr.Markdown()
                yes_doc = gr.Button(
                    "Yes, delete it · 确认删除", variant="stop", elem_id="docqa-delete-yes"
                )
                no_doc = gr.Button("Cancel · 取消", elem_id="docqa-delete-no")
            doc_view = gr.HTML(elem_id="docqa-doc")
            with gr.Accordion("Delete this library · 删除文档库", open=False):
                gr.Markdown(
                    "Deletes the library picked above with all its documents and conversations. "
                    "The server's default library cannot be deleted."
                )
                drop_btn = gr.Button(
                    "Delete this library…", variant="stop", elem_id="docqa-delete-library"
                )
                with gr.Row(visible=False, elem_id="docqa-confirm-library") as confirm_lib:
                    confirm_lib_text = gr.Markdown()
                    yes_lib = gr.Button(
                        "Yes, delete the library · 确认删除",
                        variant="stop",
                        elem_id="docqa-delete-library-yes",
                    )
                    no_lib = gr.Button("Cancel · 取消", elem_id="docqa-delete-library-no")

        def library_outputs(msg: str, lib: str | None) -> tuple[Any, ...]:
            service = served(lib)
            choices = _doc_choices(service)
            return (
                msg,
                _doc_rows(service),
                gr.update(choices=choices, value=None),
                gr.update(choices=choices, value=None),
                _status_line(service, default_engine),
                render.documents_list_html(service.documents()),
            )

        def add_files(
            paths: list[str] | None, lib: str | None, progress: gr.Progress = PROGRESS
        ) -> tuple[Any, ...]:
            if not paths:
                return library_outputs("⚠️ Choose one or more files first.", lib)
            items = [Upload(Path(p).name, Path(p).read_bytes()) for p in paths]
            try:
                result = served(lib).upload(
                    items,
                    # a scan says which page OCR is on: "report.pdf · OCR page 3 of 40"
                    progress=lambda i, n, p: progress((i, n), desc=Path(p).name or "reading files"),
                )
            except USER_ERRORS as exc:
                return library_outputs("⚠️ " + render.md_text(str(exc)), lib)
            r = result.to_json()
            lines = [
                f"**{len(r['new'])} added, {len(r['updated'])} updated, {len(r['unchanged'])} unchanged, "
                f"{len(r['duplicates'])} duplicate, {len(r['failed'])} rejected** · "
                f"{r['chunks_embedded']} chunks embedded in {r['seconds']:.1f} s"
            ]
            # one line per file sent, under the name the user gave it; text labels, not emoji
            label = {"new": "added", "updated": "updated", "unchanged": "unchanged"}
            for f in r["files"]:
                if f["status"] in label:
                    lines.append(f"- **{label[f['status']]}** {render.md_text(f['name'])}")
                else:
                    why = (f.get("error") or "").removeprefix(f"{f['name']}: ")
                    lines.append(
                        f"- **{f['status']}** {render.md_text(f['name'])}: {render.md_text(why)}"
                    )
            return library_outputs("\n".join(lines), lib)

        # the Translate tab's document picker is refreshed with the library
        with gr.Tab("Translate · 翻译", id="translate"):
            with gr.Row(), gr.Column():
                tr_text = gr.Textbox(
                    lines=6, label="Text (Chinese or English) · 文本", elem_id="docqa-tr-text"
                )
                tr_doc = gr.Dropdown(
                    _doc_choices(service),
                    label="…or a document: its key passages",
                    elem_id="docqa-tr-doc",
                )
                with gr.Row():
                    tr_key = gr.Slider(1, 10, value=3, step=1, label="Key passages")
                    tr_to = gr.Radio(["auto", "en", "zh"], value="auto", label="Into")
                tr_btn = gr.Button("Translate · 翻译", variant="primary", elem_id="docqa-tr-go")
            tr_out = gr.HTML(elem_id="docqa-tr-out")

        def do_translate(
            text: str, doc_id: str | None, key: float, to: str, lib: str | None
        ) -> str:
            service = served(lib)
            try:
                if text and text.strip():
                    items = service.translate(text=text, to=None if to == "auto" else to)
                elif doc_id:
                    items = service.translate(
                        doc_id=doc_id, to=None if to == "auto" else to, key=int(key)
                    )
                else:
                    return '<div class="docqa-empty">Paste text or pick a document.</div>'
            except USER_ERRORS as exc:
                return f'<div class="docqa-bad">{render.esc(exc)}</div>'
            return render.side_by_side_html(items)

        tr_btn.click(do_translate, [tr_text, tr_doc, tr_key, tr_to, library], tr_out)

        library_views = [upload_out, table, pick, tr_doc, status, docs_list]
        add_btn.click(add_files, [files, library], library_views)

        def open_doc(doc_id: str | None, lib: str | None) -> str:
            if not doc_id:
                return '<div class="docqa-empty">Pick a document.</div>'
            try:
                e = served(lib).document(doc_id)
            except ServiceError as exc:
                return f'<div class="docqa-bad">{render.esc(exc)}</div>'
            return render.document_html(e.summary(), e.doc.text)

        open_btn.click(open_doc, [pick, library], doc_view)
        pick.change(open_doc, [pick, library], doc_view)

        def delete_doc(doc_id: str | None, lib: str | None) -> tuple[Any, ...]:
            if not doc_id:
                return (*library_outputs("⚠️ Pick a document to delete.", lib), "")
            try:
                gone = served(lib).delete(doc_id)
            except USER_ERRORS as exc:
                return (*library_outputs("⚠️ " + render.md_text(str(exc)), lib), "")
            title = gone.doc.title or gone.doc.path or gone.doc.id
            return (*library_outputs(f"🗑 Deleted {render.md_text(title)}", lib), "")

        def ask_delete_doc(doc_id: str | None, lib: str | None) -> tuple[Any, ...]:
            if not doc_id:
                return gr.update(visible=False), "", "⚠️ Pick a document to delete."
            try:
                e = served(lib).document(doc_id)
            except USER_ERRORS as exc:
                return gr.update(visible=False), "", "⚠️ " + render.md_text(str(exc))
            title = e.doc.title or render.show_file(e.doc.path) or e.doc.id
            return (
                gr.update(visible=True),
                f"Delete **{render.md_text(title)}** from the library? This cannot be undone.",
                "",
            )

        del_btn.click(ask_delete_doc, [pick, library], [confirm_doc, confirm_doc_text, upload_out])
        yes_doc.click(delete_doc, [pick, library], [*library_views, doc_view]).then(
            lambda: gr.update(visible=False), None, confirm_doc
        )
        no_doc.click(lambda: gr.update(visible=False), None, confirm_doc)

        def switch(lib: str | None, msg: str = "") -> tuple[Any, ...]:
            """Show another library: its documents and status; a new conversation."""
            try:
                views = library_outputs(msg, lib)
            except USER_ERRORS as exc:
                lib = libraries.default
                views = library_outputs("⚠️ " + render.md_text(str(exc)), lib)
            chooser = gr.update(choices=libraries.names(), value=lib)
            return (*views, "", chooser, *new_conversation(lib))

        switch_outputs = [*library_views, doc_view, library, *fresh_outputs]
        library.input(switch, library, switch_outputs)

        def create(name: str) -> tuple[Any, ...]:
            name = (name or "").strip()
            try:
                if not name:
                    raise ServiceError("type a name for the new library")
                made = libraries.create(name)
            except USER_ERRORS as exc:
                return (*switch(None, "⚠️ " + render.md_text(str(exc))), name)
            said = "Created" if made else "Switched to the existing"
            return (*switch(name, f"{said} library **{render.md_text(name)}**"), "")

        new_btn.click(create, new_name, [*switch_outputs, new_name])

        def drop(lib: str | None) -> tuple[Any, ...]:
            try:
                libraries.delete(lib or libraries.default)
            except USER_ERRORS as exc:
                return switch(lib, "⚠️ " + render.md_text(str(exc)))
            return switch(None, f"🗑 Deleted library **{render.md_text(lib or '')}**")

        def ask_drop(lib: str | None) -> tuple[Any, ...]:
            name = lib or libraries.default
            if name == libraries.default:
                return (
                    gr.update(visible=False),
                    "",
                    (
                        f"⚠️ **{render.md_text(name)}** is the server's default library; it cannot be deleted."
                    ),
                )
            n = len(served(name).documents())
            return (
                gr.update(visible=True),
                f"Delete library **{render.md_text(name)}** with its {n} documents? This cannot be undone.",
                "",
            )

        drop_btn.click(ask_drop, library, [confirm_lib, confirm_lib_text, upload_out])
        yes_lib.click(drop, library, switch_outputs).then(
            lambda: gr.update(visible=False), None, confirm_lib
        )
        no_lib.click(lambda: gr.update(visible=False), None, confirm_lib)

        # ---------------------------------------------------------------- Evaluate
        with gr.Tab("Evaluate · 评测", id="evaluate"):
            gr.Markdown(
                "Upload a question set (JSONL, CSV or SQuAD JSON; fields `question`, `answers`, "
                "`evidence`, `answerable`), or run the shipped 75-question dev set."
            )
            with gr.Row():
                ev_file = gr.File(label="Question set", elem_id="docqa-ev-file")
                with gr.Column():
                    ev_btn = gr.Button(
                        "Run evaluation · 运行评测", variant="primary", elem_id="docqa-ev-go"
                    )
                    ev_dev = gr.Button("Use the dev set (75 questions)", elem_id="docqa-ev-dev")
            ev_filter = gr.Textbox(
                label="Filters · 筛选 (as `docqa eval --filter`; a question's own filters win)",
                placeholder="type=pdf,docx after=2025-01 source=新华网",
                elem_id="docqa-ev-filter",
            )
            with gr.Row():
                ev_status = gr.HTML(elem_id="docqa-ev-status")
                ev_cancel = gr.Button(
                    "Cancel · 取消", visible=False, scale=0, elem_id="docqa-ev-cancel"
                )
            ev_out = gr.HTML(elem_id="docqa-ev-out")
            ev_files = gr.File(
                label="Report", file_count="multiple", interactive=False, elem_id="docqa-ev-files"
            )
            ev_shown = gr.State(None)  # (run id, state) on the page, so ticks redraw only changes
            ev_timer = gr.Timer(1.0)

        def start_eval(
            path: str | None, llm: str, lib: str | None, where: str = "", name: str | None = None
        ):
            if not path:
                return render.eval_status_html(None, "Upload a question set first."), gr.update()
            try:
                filters = eval_filters(where)
                served(lib).pipeline(llm)  # an engine that cannot load fails here, in one line
                libraries.eval_runs.start(
                    served(lib), Path(path), llm, libraries.evals_dir, name, filters
                )
            except USER_ERRORS as exc:
                return render.eval_status_html(None, str(exc)), gr.update()
            return render.eval_status_html(
                libraries.eval_runs.latest(served(lib).library)
            ), gr.update(visible=True)

        def show_eval(lib: str | None, shown: Any) -> tuple[Any, ...]:
            """The library's latest run as it is now: progress and ETA while it runs, then the
            report. A reloaded page reattaches to a run the server is still answering."""
            run = libraries.eval_runs.latest(served(lib).library)
            if run is None:
                return gr.update(), gr.update(), gr.update(), gr.update(visible=False), None
            key = (run.id, run.state)
            status = render.eval_status_html(run)
            cancel = gr.update(visible=run.state == "running")
            if run.state != "done" or key == shown:
                return status, gr.update() if key == shown else "", gr.update(), cancel, key
            from qa.report import charts_svg, metrics_table

            assert run.result is not None and run.out is not None
            files_out = [
                str(run.out / n)
                for n in ("report.html", "report.md", "metrics.json", "predictions.jsonl")
            ]
            report = render.metrics_html(metrics_table(run.result), charts_svg(run.result))
            return status, report, files_out, cancel, key

        ev_views = [ev_status, ev_out, ev_files, ev_cancel, ev_shown]
        ev_btn.click(start_eval, [ev_file, engine, library, ev_filter], [ev_status, ev_cancel])
        ev_dev.click(
            lambda llm, lib, where: start_eval(str(dev_set_path()), llm, lib, where),
            [engine, library, ev_filter],
            [ev_status, ev_cancel],
        )
        ev_timer.tick(show_eval, [library, ev_shown], ev_views)

        def cancel_eval(lib: str | None) -> Any:
            run = libraries.eval_runs.latest(served(lib).library)
            if run is not None:
                run.cancel()
            return gr.update(visible=False)

        ev_cancel.click(cancel_eval, library, ev_cancel)

        def on_load(lib: str | None) -> tuple[Any, ...]:
            """A (re)loaded page shows what the server has now, not what it had when the page was
            built: libraries, documents (an upload from another tab or the API), conversations."""
            names = libraries.names()
            lib = lib if lib in names else libraries.default
            _msg, rows, pick_u, tr_u, status_u, list_u = library_outputs("", lib)
            return (
                gr.update(choices=names, value=lib),
                rows,
                pick_u,
                tr_u,
                status_u,
                list_u,
                gr.update(choices=_conversation_choices(served(lib)), value=None),
            )

        demo.load(on_load, library, [library, table, pick, tr_doc, status, docs_list, past])

    return demo


def eval_filters(where: str | None) -> Filters | None:
    """The Evaluate tab's filters, written as `docqa eval --filter` takes them, space-separated
    (`type=pdf,docx after=2025-01`; quote a value with spaces); None when empty."""
    import shlex

    try:
        exprs = shlex.split(where or "")
    except ValueError as exc:  # an unclosed quote
        raise FilterError(f"filters {where!r}: {exc}") from exc
    return Filters.parse(exprs) if exprs else None


def dev_set_path() -> Path:
    return Path(__file__).resolve().parent.parent / "qa" / "data" / "dev_questions.jsonl"
