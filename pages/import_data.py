"""Importer des données : a file in, its columns mapped, every row checked, then all or nothing
(or only the valid rows), or a quick analysis of the file without saving it."""

from __future__ import annotations

import streamlit as st

from ui import format as fmt
from ui import importing, tables, writes
from ui.text import escape

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IGNORE = "— ignorer cette colonne —"

st.title("Importer des données")
st.caption(
    "Déposez un export (PRONOTE, ENT, Moodle, tableur d'un collègue…). Chaque ligne est "
    "vérifiée avant l'enregistrement : si une ligne pose problème, rien n'est enregistré, "
    "sauf si vous choisissez d'importer seulement les lignes valides."
)

limit_mb = int(st.get_option("server.maxUploadSize"))
uploaded = st.file_uploader(
    "Fichier à importer (.xlsx, .xlsm, .xls, .ods, .csv)",
    type=["xlsx", "xlsm", "xls", "ods", "csv", "txt"],
    key="import_file",
    help=f"Taille maximale : {limit_mb} Mo.",
)
st.caption(
    "Glissez le fichier dans le cadre ci-dessus, ou cliquez sur « Upload » (« Déposer ») pour "
    f"le choisir. Taille maximale : {limit_mb} Mo par fichier (« {limit_mb}MB per file ») ; "
    "au-delà, découpez l'export (par année ou par site) et importez les morceaux l'un après "
    "l'autre."
)


def _show_report(report) -> None:  # noqa: ANN001
    if report.problems.is_empty():
        st.success(escape(report.summary(fmt.number)))
    else:
        (st.warning if report.written else st.error)(escape(report.summary(fmt.number)))
        tables.plain(importing.as_read(report.problems_labelled()))
        st.download_button(
            "Télécharger la liste des problèmes (Excel)",
            data=report.problems_excel(),
            file_name=f"problemes-{report.file_name.rsplit('.', 1)[0]}.xlsx",
            mime=XLSX,
            on_click="ignore",
            key=f"problems_{report.sha256}_{report.status}",
        )
    if report.ignored:
        st.info(
            "Lignes de total de l'export, laissées de côté : "
            + " ; ".join(f"ligne {row} (« {escape(text)} »)" for row, text in report.ignored[:20])
            + (" …" if len(report.ignored) > 20 else "")
        )
    if not report.warnings.is_empty():
        st.warning(
            f"{fmt.number(report.warnings.height)} "
            f"{'avertissement' if report.warnings.height == 1 else 'avertissements'} : rien "
            "n'est refusé, mais lisez-les."
        )
        tables.plain(importing.as_read(report.warnings_labelled()))


kept = importing.kept_file(uploaded)
upload = kept.upload if kept is not None else None
if kept is not None and uploaded is None:
    st.info(
        f"Fichier en cours : « {escape(kept.upload.name)} »"
        + (", analysé sans l'enregistrer" if kept.analysed is not None else "")
        + ". Il est resté là quand vous avez quitté la page ; déposez un autre fichier pour "
        "le remplacer."
    )
    if st.button("Retirer ce fichier", key="forget_file"):
        importing.forget_file()
        st.rerun()
sheets = importing.sheets(upload) if upload is not None else None
if sheets is not None:
    sha = upload.sha
    chosen_sheet = (
        st.selectbox(
            "Feuille",
            sheets,
            index=sheets.index(kept.sheet) if kept.sheet in sheets else 0,
            key=f"sheet_{sha}",
            placeholder="Choisissez une feuille",
        )
        if len(sheets) > 1
        else None
    )
    raw = importing.sheet(upload, chosen_sheet)
    if raw is not None:
        st.caption(
            f"Feuille « {escape(raw.sheet)} » : en-tête trouvé ligne {raw.header_row}, "
            f"{raw.rows.height} ligne(s) de données."
        )
        suggested_kind, suggested_mapping, was_remembered = importing.suggestion(raw)
        kinds = importing.kinds()
        default_kind = kept.kind or suggested_kind  # the choice made before leaving the page
        kind = st.selectbox(
            "Type de données",
            list(kinds),
            index=list(kinds).index(default_kind) if default_kind else 0,
            format_func=kinds.get,
            key=f"kind_{sha}",
            placeholder="Choisissez un type",
            help="Deviné d'après les titres de colonnes ; corrigez-le si besoin.",
        )
        _, mapping, _ = importing.suggestion(raw, kind)
        if kept.kind == kind and kept.mapping is not None:
            mapping = kept.mapping
        if was_remembered and kind == suggested_kind:
            left_aside = importing.aside(raw, kind, mapping)
            st.info(
                "Association des colonnes reprise d'un import précédent de même présentation"
                + (
                    f" : elle laisse de côté {', '.join(f'« {escape(h)} »' for h in left_aside)}."
                    if left_aside
                    else "."
                )
                + " Vérifiez-la ci-dessous."
            )

        st.subheader("Colonnes du fichier")
        fields = {
            spec.label + (" *" if spec.required else ""): spec.name
            for spec in importing.fields(kind)
        }
        labels = [IGNORE, *fields]
        by_name = {name: label for label, name in fields.items()}
        chosen: dict[str, str] = {}
        grid = st.columns(3)
        for index, header in enumerate(raw.headers):
            current = by_name.get(mapping.get(header, ""), IGNORE)
            label = grid[index % 3].selectbox(
                escape(header),
                labels,
                index=labels.index(current),
                key=f"map_{sha}_{kind}_{index}",
                placeholder="Choisissez un champ",
            )
            if label != IGNORE:
                chosen[header] = fields[label]
        st.caption("Les champs suivis d'un astérisque (\\*) sont obligatoires.")
        importing.keep_choices(kept, raw.sheet, kind, chosen)

        with st.expander("Aperçu des premières lignes"):
            tables.plain(importing.first_rows(raw))

        remember = st.checkbox(
            "Mémoriser cette association pour les prochains fichiers de même présentation",
            key=f"remember_{sha}_{kind}",
        )
        update_names = st.checkbox(
            "Mettre à jour les noms des apprenants déjà en base avec ceux du fichier",
            key=f"names_{sha}_{kind}",
            help="Sinon la base garde ses noms, et les différences sont signalées.",
            disabled=not {"last_name", "first_name"} & set(chosen.values()),
        )

        st.subheader("Vérification")
        report = importing.checked(upload, raw, kind, chosen, update_names)
        if report is None:  # a file touching another site: refused, said and recorded
            st.stop()
        _show_report(report)

        left, middle, right = st.columns(3)
        do_import = left.button(
            "Importer", type="primary", disabled=not report.problems.is_empty(), width="stretch"
        )
        do_partial = middle.button(
            "Importer seulement les lignes valides",
            disabled=report.problems.is_empty() or report.rejected >= report.rows,
            width="stretch",
        )
        do_analyse = right.button("Analyser sans enregistrer", width="stretch")

        if do_import or do_partial:
            bar = st.progress(0.0, text="Import en cours…")
            result = writes.import_sheet(
                raw,
                kind,
                chosen,
                sha=sha,
                skip_invalid=do_partial,
                update_names=update_names,
                remember=remember,
                progress=lambda fraction, text: bar.progress(fraction, text=text),
            )
            _show_report(result)
        if do_analyse and importing.analyse(kept, raw, kind, chosen):
            st.rerun()  # the sidebar offers the file as a source from now on
        analysed = kept.analysed_as(raw.sheet, kind, chosen)
        if analysed is not None and not (do_import or do_partial):
            st.success(
                f"Analyse rapide prête : {fmt.number(analysed.added)} ligne(s) lue(s), "
                f"{fmt.number(analysed.rejected)} écartée(s). Choisissez ce fichier comme "
                "« Source des données » dans la barre latérale, puis ouvrez les autres pages. "
                "Rien n'est enregistré ; le fichier reste ici si vous quittez la page."
            )
            if st.button(
                "Importer ce fichier",
                type="primary",
                help="L'enregistrer tel qu'il a été analysé : mêmes colonnes, mêmes lignes "
                "(celles écartées par l'analyse ne sont pas enregistrées).",
                key=f"import_analysed_{sha}",
            ):
                bar = st.progress(0.0, text="Import en cours…")
                result = writes.import_sheet(
                    raw,
                    kind,
                    chosen,
                    sha=sha,
                    skip_invalid=not analysed.problems.is_empty(),
                    update_names=update_names,
                    remember=remember,
                    progress=lambda fraction, text: bar.progress(fraction, text=text),
                )
                kept.analysed = None  # imported: the button has done its work
                _show_report(result)

st.subheader("Modèles à télécharger")
kinds = importing.kinds()
template_kind = st.selectbox(
    "Type de fichier",
    list(kinds),
    format_func=kinds.get,
    key="template_kind",
    placeholder="Choisissez un type",
)
st.download_button(
    "Télécharger le modèle Excel",
    data=lambda: importing.template(template_kind),
    file_name=f"modele-{template_kind}.xlsx",
    mime=XLSX,
    on_click="ignore",
    key="template_download",
)

st.subheader("Historique des imports")
history = importing.history()
if history.is_empty():
    st.caption("Aucun import pour l'instant.")
else:
    tables.plain(history)
