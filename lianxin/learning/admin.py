"""Admin: authoring courses, their lessons and quiz questions."""

from __future__ import annotations

from django.contrib import admin

from .models import Course, Enrolment, Lesson, Question


class LessonInline(admin.StackedInline[Lesson, Course]):
    model = Lesson
    extra = 0


class QuestionInline(admin.TabularInline[Question, Course]):
    model = Question
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin[Course]):
    list_display = ("code", "title", "hours", "pass_mark", "published")
    list_filter = ("published",)
    search_fields = ("code", "title")
    inlines = [LessonInline, QuestionInline]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin[Enrolment]):
    list_display = ("user", "course", "status", "best_score", "due_at", "passed_at")
    list_filter = ("status", "course")
    search_fields = ("user__username", "user__display_name", "certificate_code")
    readonly_fields = ("certificate_code", "best_score", "passed_at")
