using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace FineTuneStudio.Core.Data;

/// <summary>SQLite forgets DateTimeKind; every stored time is UTC, so read it back as UTC.</summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v, DateTimeKind.Utc),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
