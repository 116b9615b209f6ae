namespace FineTuneStudio.Core.Domain;

public enum TaskKind { Chat, Classification, Extraction, Preference }

public enum MessageRole { System, User, Assistant, Tool }

public enum ExampleStatus { Draft, Submitted, Approved, Rejected }

public enum ExampleSource { Manual, CsvImport, JsonlImport, ProductionLog, Synthetic, Demo }

public enum SplitPin { Auto, Train, Validation, Test }

public enum AssessmentStatus { Draft, Submitted }

public enum EvalRunStatus { Pending, Running, Completed, Failed, Cancelled }

public enum JudgementChoice { A, B, Tie, BothBad }
