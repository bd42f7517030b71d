"""`rft data import`: real phenopackets in, one case per line out; bad input named and refused."""

from __future__ import annotations

import json
import zipfile

import pytest
from helpers import make_targz

from rft.data.import_phenopackets import import_phenopackets
from rft.errors import RftInputError
from rft.jsonl import read_jsonl

KCNT1_CASE = "PMID_23086397_Patient_4"


def test_whole_archive_summary_counts(real_cases):
    cases = read_jsonl(real_cases)
    # 8,859 files: 69 structural-variant cases have no gene, 3 have no present phenotype.
    assert len(cases) == 8859 - 69 - 3
    assert len({c["gene"] for c in cases}) == 612
    assert all(c["present"] and c["hgnc_id"].startswith("HGNC:") for c in cases)
    assert len({c["id"] for c in cases}) == len(cases)


def test_cli_prints_summary(cli, archive, tmp_path):
    code, out, _ = cli("data", "import", archive, "--out", tmp_path / "cases.jsonl")
    assert code == 0
    assert "read 8859 phenopacket files" in out
    assert "wrote 8787 cases over 612 genes" in out
    assert "skipped 69: no causative gene" in out
    assert "skipped 3: no present phenotype" in out


def test_known_case_is_flattened_faithfully(real_cases):
    case = next(c for c in read_jsonl(real_cases) if c["id"] == KCNT1_CASE)
    assert case["gene"] == "KCNT1" and case["hgnc_id"] == "HGNC:18865"
    assert case["sex"] == "MALE"
    assert case["age_last_encounter"] == "P6M" and case["onset"] == "P1D"
    assert case["disease_id"] == "OMIM:614959"
    assert case["pmid"] == "PMID:23086397"
    present = {p["id"] for p in case["present"]}
    excluded = {p["id"] for p in case["excluded"]}
    assert "HP:0012736" in present and "HP:0002188" in excluded
    assert not present & excluded


def test_gene_comes_from_gene_context_not_folder(real_cases):
    # The upstream folder is named HNRPA2B1; the causative gene's symbol is HNRNPA2B1.
    genes = {c["gene"] for c in read_jsonl(real_cases)}
    assert "HNRNPA2B1" in genes and "HNRPA2B1" not in genes


def test_folder_zip_and_targz_give_the_same_cases(tmp_path, sample_folder, sample_members):
    zipped = tmp_path / "ppk.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for name, raw in sample_members.items():
            zf.writestr(name, raw)
    targz = make_targz(tmp_path / "ppk.tar.gz", sample_members)
    results = []
    for i, src in enumerate((sample_folder, zipped, targz)):
        summary = import_phenopackets(src, tmp_path / f"out{i}.jsonl")
        assert summary.files == len(sample_members)
        results.append(read_jsonl(tmp_path / f"out{i}.jsonl"))
    assert results[0] == results[1] == results[2]
    assert summary.skipped["no causative gene"] > 0  # the 11q deletion cases


def _broken(tmp_path, name: str, raw: bytes, good: dict[str, bytes]):
    files = dict([item for item in good.items() if "/KCNT1/" in item[0]][:3])
    files[f"ppk/{name}"] = raw
    return make_targz(tmp_path / "broken.tar.gz", files)


def test_malformed_json_names_file_and_line(tmp_path, sample_members):
    src = _broken(tmp_path, "bad.json", b'{\n  "id": "x",\n  "subject": {\n', sample_members)
    with pytest.raises(RftInputError) as err:
        import_phenopackets(src, tmp_path / "cases.jsonl")
    assert err.value.path.endswith("ppk/bad.json") and err.value.line == 4
    assert not (tmp_path / "cases.jsonl").exists()


def test_schema_violation_is_caught_by_the_protobuf_classes(tmp_path, sample_members):
    good = json.loads(next(r for n, r in sample_members.items() if "/KCNT1/" in n))
    good["phenotypicFeatures"][0]["type"]["idd"] = "HP:0000001"  # a field the schema does not have
    src = _broken(tmp_path, "schema.json", json.dumps(good).encode(), sample_members)
    with pytest.raises(RftInputError, match="not a valid phenopacket.*idd") as err:
        import_phenopackets(src, tmp_path / "cases.jsonl")
    assert "schema.json" in str(err.value)


def test_wrong_type_in_schema_is_caught(tmp_path, sample_members):
    good = json.loads(next(r for n, r in sample_members.items() if "/KCNT1/" in n))
    good["phenotypicFeatures"][0]["excluded"] = "maybe"
    src = _broken(tmp_path, "types.json", json.dumps(good).encode(), sample_members)
    with pytest.raises(RftInputError, match="types.json.*not a valid phenopacket"):
        import_phenopackets(src, tmp_path / "cases.jsonl")


def test_non_utf8_file_is_named(tmp_path, sample_members):
    src = _broken(tmp_path, "latin1.json", '{"id": "caf\u00e9"}'.encode("latin-1"), sample_members)
    with pytest.raises(RftInputError, match="latin1.json.*not UTF-8"):
        import_phenopackets(src, tmp_path / "cases.jsonl")


def test_empty_archive_is_refused(tmp_path, cli):
    src = make_targz(tmp_path / "empty.tar.gz", {})
    code, _, err = cli("data", "import", src, "--out", tmp_path / "cases.jsonl")
    assert code == 2
    assert "empty.tar.gz" in err and "no phenopacket JSON files" in err
    assert not (tmp_path / "cases.jsonl").exists()


def test_corrupt_archive_is_named(tmp_path):
    src = tmp_path / "cut.tar.gz"
    src.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(RftInputError, match="cut.tar.gz.*cannot read archive"):
        import_phenopackets(src, tmp_path / "cases.jsonl")


def test_skip_bad_counts_bad_files_and_goes_on(tmp_path, sample_members, cli):
    src = _broken(tmp_path, "bad.json", b"{not json", sample_members)
    code, out, _ = cli("data", "import", src, "--out", tmp_path / "cases.jsonl", "--skip-bad")
    assert code == 0
    assert "skipped 1 bad files" in out and "bad.json" in out
    assert len(read_jsonl(tmp_path / "cases.jsonl")) == 3


def test_failed_import_keeps_the_previous_output_whole(tmp_path, sample_members, cli):
    out = tmp_path / "cases.jsonl"
    out.write_text('{"previous": true}\n')
    src = _broken(tmp_path, "bad.json", b"[1, 2", sample_members)
    code, _, err = cli("data", "import", src, "--out", out)
    assert code == 2 and "bad.json" in err
    assert out.read_text() == '{"previous": true}\n'
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cases")] == []
