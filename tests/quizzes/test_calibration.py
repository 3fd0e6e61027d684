"""Fitting the engine (quizzes/calibration.py) and recalibrating a site (services.calibration_refit)."""

import json
import random
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from quizapp.progress.models import SectionProgress
from quizapp.progress.rebuild import progress_rebuild
from quizapp.quizzes import adaptive, calibration, services
from quizapp.quizzes.models import EngineCalibration, LearnerSkill, QuestionStats
from tests.factories import QuestionFactory, SectionFactory, UserFactory

from .helpers import answer_data, current_item


def _bank(sections=8, per_section=6):
    return [calibration.BankItem(s * 100 + q, s, 1 + q % 5) for s in range(sections) for q in range(per_section)]


def _answers(items, learners, p_know=0.4, right_known=0.9, right_unknown=0.25, per_learner=30, seed=1):
    rng = random.Random(seed)
    sections = sorted({i.section_id for i in items})
    answers = []
    for learner in range(learners):
        known = {s: rng.random() < p_know for s in sections}
        for _ in range(per_learner):
            item = rng.choice(items)
            p = right_known if known[item.section_id] else right_unknown
            answers.append(calibration.Answer((learner, item.section_id), item.question_id,
                                              1.0 if rng.random() < p else 0.0))
    return answers


def test_the_fit_finds_that_learners_either_know_a_section_or_do_not():
    items = _bank()
    fit = calibration.fit(items, _answers(items, 300))
    prior = np.asarray(fit.calibration.prior)
    known_share = float(prior @ adaptive.LINE_SHARE)
    assert 0.3 < known_share < 0.5  # 40 % of (learner, section) pairs are known
    success = adaptive.logistic(adaptive.GRID)
    middle = (success > 0.5) & (success < 0.8)  # between the two kinds of learner: 0.25 and 0.9 right
    assert prior[middle].sum() < 0.1


def test_offsets_stay_centred_on_each_sections_typical_question():
    items = _bank()
    fit = calibration.fit(items, _answers(items, 100))
    for section in {i.section_id for i in items}:
        values = [fit.offsets[i.question_id] for i in items if i.section_id == section]
        assert abs(sum(values) / len(values)) < 1e-9


def test_too_few_answers_keep_the_defaults_and_the_authored_difficulties():
    items = _bank(sections=2)
    fit = calibration.fit(items, _answers(items, 1, per_learner=10))
    assert fit.calibration == adaptive.Calibration()
    assert fit.offsets == calibration.seed_offsets(items)


def test_replay_gives_what_answer_by_answer_updates_give():
    items = _bank(sections=3)
    answers = _answers(items, 5)
    fit = calibration.fit(items, answers)
    replayed = {r.pair: r.belief for r in calibration.replay(items, answers, fit.calibration, fit.offsets)}
    for pair in list(replayed)[:6]:
        belief = adaptive.Belief.start(fit.calibration)
        for a in answers:
            if a.pair == pair:
                belief = adaptive.update(belief, fit.offsets[a.question_id], a.score, fit.calibration)
        assert np.allclose(belief.weights, replayed[pair].weights)
        assert (belief.answers, belief.right) == (replayed[pair].answers, replayed[pair].right)


def _take_quiz(client, learner, sections, rng, right_share):
    client.force_login(learner)
    attempt = services.attempt_start(learner=learner, kind="mixed", section_ids=[s.pk for s in sections], length=6)
    for _ in range(6):
        item = current_item(attempt)
        if item is None or not attempt.is_open:
            break
        data = answer_data(item, right=rng.random() < right_share)
        client.post(f"/quiz/{attempt.pk}/answer/", data)
        attempt.refresh_from_db()


@pytest.fixture
def answered_site(db, client):
    sections = [SectionFactory(), SectionFactory()]
    for s in sections:
        for difficulty in (1, 2, 3, 4, 5, 3):
            QuestionFactory(section=s, difficulty=difficulty)
    rng = random.Random(5)
    learners = [UserFactory() for _ in range(12)]
    for n, learner in enumerate(learners):
        _take_quiz(client, learner, sections, rng, 0.9 if n % 2 else 0.3)
    return learners


def test_recalibrating_recomputes_every_learners_mastery_and_the_rollups_agree(answered_site):
    before = {(s.learner_id, s.section_id): (s.answers, s.right) for s in LearnerSkill.objects.all()}
    assert not EngineCalibration.objects.exists()
    fit = services.calibration_refit()
    assert fit.answers == sum(a for a, _ in before.values()) > 0
    assert EngineCalibration.objects.count() == 1
    assert QuestionStats.objects.count() == 12
    after = {(s.learner_id, s.section_id): (s.answers, s.right) for s in LearnerSkill.objects.all()}
    assert after == before  # nothing lost: the same answers, replayed
    for skill in LearnerSkill.objects.all():
        progress = SectionProgress.objects.get(learner_id=skill.learner_id, section_id=skill.section_id)
        assert (progress.mastery, progress.state) == (skill.mastery, skill.state)
    assert progress_rebuild(fix=False).differences == []


def test_rebuild_progress_finds_a_belief_that_differs_from_the_answers_and_mends_it(answered_site):
    skill = LearnerSkill.objects.filter(right__gt=0).first()
    wrong_state = adaptive.LEARNING if skill.state == adaptive.MASTERED else adaptive.MASTERED
    LearnerSkill.objects.filter(pk=skill.pk).update(state=wrong_state, mastery=0.99 if skill.mastery < 0.5 else 0.01,
                                                    right=0)
    report = progress_rebuild(fix=False)
    assert {d.field for d in report.differences if d.model == "LearnerSkill"} >= {"state", "mastery", "right"}
    progress_rebuild(fix=True)
    assert progress_rebuild(fix=False).differences == []


def test_the_site_recalibrates_itself_once_enough_answers_are_in(answered_site, client, django_capture_on_commit_callbacks,
                                                                 monkeypatch):
    monkeypatch.setattr(services, "CALIBRATE_FIRST", 10)
    learner = answered_site[0]
    with django_capture_on_commit_callbacks(execute=True):
        _take_quiz(client, learner, list({q.section for q in QuestionFactory._meta.model.objects.all()}),
                   random.Random(1), 0.5)
    assert EngineCalibration.objects.exists()
    assert progress_rebuild(fix=False).differences == []


def test_calibrate_engine_and_learner_mastery_commands(answered_site, full_bank):
    out = StringIO()
    call_command("calibrate_engine", "--json", stdout=out)
    assert json.loads(out.getvalue())["answers"] > 0
    learner = answered_site[1]
    out = StringIO()
    call_command("learner_mastery", learner.username, "--json", stdout=out)
    data = json.loads(out.getvalue().strip().splitlines()[-1])
    assert data["username"] == learner.username
    from quizapp.catalog.models import Section
    leaves = set(Section.objects.leaves().values_list("key", flat=True))
    assert set(data["sections"]) == leaves
    answered = {k: v for k, v in data["sections"].items() if v["answers"]}
    assert answered and all(v["state"] in ("learning", "mastered") and 0 <= v["estimate"] <= 1
                            for v in answered.values())
    assert all(v == {"state": "not_started", "estimate": 0.0, "answers": 0}
               for k, v in data["sections"].items() if k not in answered)


def test_an_answer_read_before_a_recalibration_and_written_after_it_is_learnt_under_the_new_one(
        answered_site, client, monkeypatch):
    """Another app server refits between this answer's reads and its writes (the bench found learners whose
    mastery differed from a replay after every refit): the answer is recorded once, and every learner's
    belief is what a replay of the recorded answers under the calibration in force gives."""
    learner = answered_site[0]
    sections = list({q.section for q in QuestionFactory._meta.model.objects.all()})
    attempt = services.attempt_start(learner=learner, kind="mixed", section_ids=[s.pk for s in sections], length=6)
    item = current_item(attempt)
    write, refits = services._write, []

    def refit_first(plan):
        if not refits:
            refits.append(services.calibration_refit())
        return write(plan)

    monkeypatch.setattr(services, "_write", refit_first)
    client.force_login(learner)
    assert client.post(f"/quiz/{attempt.pk}/answer/", answer_data(item, right=False)).status_code == 302
    assert refits and EngineCalibration.objects.count() == 1
    assert attempt.responses.count() == 1
    attempt.refresh_from_db()
    assert attempt.answered == 1
    assert progress_rebuild(fix=False).differences == []


def test_answers_recorded_while_the_engine_is_fitted_are_replayed_under_the_new_calibration(
        answered_site, client, monkeypatch):
    """The fit runs before the refit's write transaction (seconds on a big site), so answers keep being
    recorded meanwhile; the refit still gives every learner the belief a replay of all their answers gives."""
    learner = answered_site[1]
    sections = list({q.section for q in QuestionFactory._meta.model.objects.all()})
    attempt = services.attempt_start(learner=learner, kind="mixed", section_ids=[s.pk for s in sections], length=6)
    client.force_login(learner)
    fit = calibration.fit

    def answer_during_fit(items, answers, **kwargs):
        for _ in range(3):
            item = current_item(attempt)
            client.post(f"/quiz/{attempt.pk}/answer/", answer_data(item, right=True))
        return fit(items, answers, **kwargs)

    monkeypatch.setattr(calibration, "fit", answer_during_fit)
    result = services.calibration_refit()
    assert attempt.responses.count() == 3
    assert result.answers == sum(s.answers for s in LearnerSkill.objects.all()) - 3  # fitted without them
    assert progress_rebuild(fix=False).differences == []


def test_one_refit_at_a_time_and_a_claim_left_by_a_dead_process_expires(answered_site, monkeypatch):
    """Every answer recorded while a fit runs finds a refit due: only the request holding the claim fits
    (the others would each take seconds of CPU); a claim its process never released is free after a while."""
    from datetime import timedelta

    from django.utils import timezone

    from quizapp.quizzes.models import RefitClaim

    monkeypatch.setattr(services, "CALIBRATE_FIRST", 10)
    RefitClaim.objects.create(pk=1, claimed_at=timezone.now())  # another request is fitting
    assert services.calibration_refit_if_due() is False
    assert not EngineCalibration.objects.exists()
    RefitClaim.objects.filter(pk=1).update(claimed_at=timezone.now() - services.REFIT_CLAIM_TTL - timedelta(1))
    assert services.calibration_refit_if_due() is True
    assert EngineCalibration.objects.count() == 1
    assert RefitClaim.objects.get(pk=1).claimed_at is None  # released
    assert progress_rebuild(fix=False).differences == []


def test_calibrate_engine_started_by_the_app_gives_its_claim_back(answered_site):
    """The app claims the refit, then starts `calibrate_engine --claimed <time>` in a process of its own;
    the command recalibrates and frees the claim for the next one."""
    from django.utils import timezone

    from quizapp.quizzes.models import RefitClaim

    claimed = timezone.now()
    RefitClaim.objects.create(pk=1, claimed_at=claimed)
    call_command("calibrate_engine", "--claimed", claimed.isoformat(), stdout=StringIO())
    assert EngineCalibration.objects.count() == 1
    assert RefitClaim.objects.get(pk=1).claimed_at is None
    assert progress_rebuild(fix=False).differences == []
