"""The shipped classifier artifact: complete, checked, and refused when damaged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from livemod.classify import ArtifactError, assemble, shipped_artifact_dir
from livemod.classify._artifact import read_manifest
from livemod.classify._policy import load_policy
from livemod.resources import sha256_file


def test_the_shipped_artifact_is_small_and_matches_its_manifest() -> None:
    artifact = shipped_artifact_dir()
    manifest = read_manifest(artifact)
    assert sum(p.stat().st_size for p in artifact.iterdir()) < 25e6
    for name, digest in manifest["files"].items():
        assert sha256_file(artifact / name) == digest, name


def test_the_shipped_artifact_was_calibrated_against_todays_policy_pack() -> None:
    meta = json.loads((shipped_artifact_dir() / "livemod.json").read_text(encoding="utf-8"))
    version = load_policy().version
    assert meta["trained"]["policy_version"] == version, (
        "the policy pack changed since the shipped classifier was calibrated: run "
        "`livemod train --calibrate-only --artifact src/livemod/classify/default_model`"
    )


def test_a_damaged_artifact_is_refused_with_the_file_named(tmp_path: Path) -> None:
    copy = tmp_path / "artifact"
    shutil.copytree(shipped_artifact_dir(), copy)
    meta = copy / "livemod.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"max_length": 96', '"max_length": 97'))
    with pytest.raises(ArtifactError, match=r"livemod\.json has SHA-256"):
        assemble(copy, tmp_path / "out", tmp_path / "cache")
    assert not (tmp_path / "out").exists()


def test_a_missing_artifact_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="Reinstall livemod"):
        assemble(tmp_path / "nowhere", tmp_path / "out", tmp_path / "cache")
