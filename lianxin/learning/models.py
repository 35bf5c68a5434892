"""The cadres' learning centre: materials, courses of lessons, quizzes, enrolments and records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 100
BODY_MAX_LENGTH = 20000
CHOICE_MAX_LENGTH = 200
MAX_CHOICES = 6


class MaterialKind(models.TextChoices):
    ARTICLE = "article", _("文章")
    PDF = "pdf", _("PDF 文档")
    VIDEO = "video", _("视频链接")


class LessonKind(models.TextChoices):
    LESSON = "lesson", _("课程内容")
    CASE_STUDY = "case_study", _("典型案例")


class Course(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    title = models.CharField(_("课程名称"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("简介"), max_length=2000, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=1)
    pass_mark = models.PositiveSmallIntegerField(_("及格分（百分制）"), default=80)
    # Roles (org.Role values) that must take this course; "mediator" for registered mediators.
    required_for = models.JSONField(_("必修角色"), default=list, blank=True)
    days_to_complete = models.PositiveSmallIntegerField(_("完成期限（天）"), default=30)
    published = models.BooleanField(_("已发布"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("标题"), max_length=TITLE_MAX_LENGTH)
    kind = models.CharField(_("类型"), max_length=12, choices=LessonKind.choices, default=LessonKind.LESSON)
    material_kind = models.CharField(
        _("材料形式"), max_length=10, choices=MaterialKind.choices, default=MaterialKind.ARTICLE
    )
    body = models.TextField(_("正文"), max_length=BODY_MAX_LENGTH, blank=True)
    url = models.URLField(_("链接（PDF 或视频）"), max_length=500, blank=True)
    minutes = models.PositiveSmallIntegerField(_("学习时长（分钟）"), default=20)

    class Meta:
        verbose_name = _("课时")
        verbose_name_plural = _("课时")
        ordering = ["course", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(_("题目"), max_length=500)
    choices = models.JSONField(_("选项"))
    answer = models.PositiveSmallIntegerField(_("正确选项（从 0 起）"))

    class Meta:
        verbose_name = _("测验题")
        verbose_name_plural = _("测验题")
        ordering = ["course", "order", "id"]

    def __str__(self) -> str:
        return self.text


class EnrolmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待学习")
    IN_PROGRESS = "in_progress", _("学习中")
    PASSED = "passed", _("已通过")


class Enrolment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(
        _("状态"), max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ASSIGNED
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    assigned_at = models.DateTimeField()
    due_at = models.DateTimeField(_("完成期限"), null=True, blank=True)
    passed_at = models.DateTimeField(null=True, blank=True)
    best_score = models.PositiveSmallIntegerField(null=True, blank=True)
    certificate_code = models.CharField(max_length=16, blank=True, db_index=True)

    class Meta:
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="uniq_enrolment")]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"


class LessonDone(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="lessons_done")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "lesson"], name="uniq_lesson_done")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}:{self.lesson_id}"


class QuizAttempt(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    answers = models.JSONField()
    score = models.PositiveSmallIntegerField()
    passed = models.BooleanField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.score}"


class EventType(models.TextChoices):
    ASSIGNED = "assigned", _("指定学习")
    LESSON_DONE = "lesson_done", _("完成课时")
    QUIZ_FAILED = "quiz_failed", _("测验未通过")
    PASSED = "passed", _("通过课程")


class LearningEvent(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=12, choices=EventType.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.type}"
