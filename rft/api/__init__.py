"""`rft api`: OpenAI's fine-tuning API (files, jobs, graders, models) served for open weights."""
