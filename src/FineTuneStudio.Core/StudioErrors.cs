namespace FineTuneStudio.Core;

/// <summary>
/// One problem with input, located by line (files) and/or field. <see cref="LineUnit"/> names what the number counts:
/// "line" for text files, "row" for Parquet.
/// </summary>
public sealed record InputError(string Field, string Message, int? Line = null, string LineUnit = "line")
{
    public override string ToString() => Line is { } line ? $"{LineUnit} {line}: {Field}: {Message}" : $"{Field}: {Message}";
}

/// <summary>Input that cannot be accepted. Nothing has been changed when this is thrown.</summary>
public sealed class StudioValidationException : Exception
{
    public StudioValidationException(IReadOnlyList<InputError> errors, int? totalCount = null)
        : base(errors.Count == 0 ? "The input is not valid." : errors[0].ToString())
    {
        Errors = errors;
        TotalCount = totalCount ?? errors.Count;
    }

    public StudioValidationException(string field, string message) : this([new InputError(field, message)])
    {
    }

    public StudioValidationException() : this([])
    {
    }

    public StudioValidationException(string message) : this("input", message)
    {
    }

    public StudioValidationException(string message, Exception innerException) : base(message, innerException)
    {
        Errors = [new InputError("input", message)];
        TotalCount = 1;
    }

    public IReadOnlyList<InputError> Errors { get; }

    /// <summary>All errors found, which may be more than the listed ones.</summary>
    public int TotalCount { get; }
}

public sealed class NotFoundException : Exception
{
    public NotFoundException(string entity, object id) : base($"{entity} {id} was not found.")
    {
    }

    public NotFoundException()
    {
    }

    public NotFoundException(string message) : base(message)
    {
    }

    public NotFoundException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>Someone else changed the same thing first; the caller decides what to keep.</summary>
public sealed class ConflictException : Exception
{
    public ConflictException()
    {
    }

    public ConflictException(string message) : base(message)
    {
    }

    public ConflictException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The caller is known but their role does not allow this.</summary>
public sealed class ForbiddenException : Exception
{
    public ForbiddenException()
    {
    }

    public ForbiddenException(string message) : base(message)
    {
    }

    public ForbiddenException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
