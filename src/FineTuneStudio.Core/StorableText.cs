namespace FineTuneStudio.Core;

/// <summary>
/// Text a person typed or pasted, checked before it is saved: a NUL (PostgreSQL refuses it in text, SQLite keeps it and
/// every export then carries it) and a lone surrogate (not a character; UTF-8 turns it into U+FFFD on the way to the
/// database, so the save would silently change the text). The file importers and the API refuse the same two.
/// </summary>
public static class StorableText
{
    /// <summary>Null when the text can be stored as written; otherwise what is wrong, naming the position.</summary>
    public static string? Problem(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return $"contains a NUL character (\\u0000) at character {i + 1}, which cannot be stored; remove it";
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"contains a broken character (a lone surrogate \\u{(int)c:x4}) at character {i + 1}; write the whole character or remove it";
            }
        }

        return null;
    }

    /// <summary>Adds an error for <paramref name="field"/> when its text cannot be stored.</summary>
    public static void Check(string? text, string field, List<InputError> errors)
    {
        if (Problem(text) is { } problem)
        {
            errors.Add(new InputError(field, problem));
        }
    }
}
