using System.Text.Json;

namespace FineTuneStudio.Core.Imports;

/// <summary>Explains why a record is not valid JSON, naming the field where reading stopped.</summary>
internal static class JsonSyntax
{
    /// <summary>System.Text.Json's default, kept: deeper records are hostile, not data.</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses one record, or describes the syntax problem on the physical line where it is.</summary>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> bytes, int startLine, out InputError? error)
    {
        try
        {
            error = null;
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            error = Explain(bytes.Span, startLine);
            return null;
        }
    }

    private sealed class Frame(bool isArray)
    {
        public bool IsArray { get; } = isArray;
        public int Index { get; set; } = -1;
        public string? Property { get; set; }
    }

    private static InputError Explain(ReadOnlySpan<byte> bytes, int startLine)
    {
        // Not a final block: input that simply stops makes Read return false instead of throwing,
        // which tells a truncated record from a malformed one.
        var reader = new Utf8JsonReader(bytes, isFinalBlock: false, state: default);
        var stack = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        stack[^1].Property = PropertyName(ref reader);
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        BeforeValue(stack);
                        stack.Add(new Frame(reader.TokenType == JsonTokenType.StartArray));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        stack.RemoveAt(stack.Count - 1);
                        break;
                    default:
                        BeforeValue(stack);
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            var line = startLine + (int)(ex.LineNumber ?? 0);
            if (stack.Count >= MaxDepth)
            {
                return new InputError(Path(stack), $"is nested deeper than {MaxDepth} levels", line);
            }

            var column = (ex.BytePositionInLine ?? 0) + 1;
            var at = FindOffset(bytes, (int)(ex.LineNumber ?? 0), (int)(ex.BytePositionInLine ?? 0));
            var rest = bytes[Math.Min(at, bytes.Length)..];
            var message = rest.StartsWith("NaN"u8) || rest.StartsWith("Infinity"u8) || rest.StartsWith("-Infinity"u8)
                ? "NaN and Infinity are not JSON values; write a number or null"
                : rest.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])
                ? $"is not valid JSON at column {column}: a byte order mark (EF BB BF) in the middle of the line, as when files are joined; remove it"
                : !rest.IsEmpty && rest[0] == 0
                ? $"is not valid JSON at column {column}: a NUL byte; remove it"
                : $"is not valid JSON at column {column}";
            return new InputError(Path(stack), message, line);
        }

        return stack.Count > 0 || reader.TokenType == JsonTokenType.None
            ? new InputError("record", "the record ends before its JSON is complete (truncated, or a closing bracket is missing)", startLine)
            : new InputError("record", "is not valid JSON: more text follows the end of the record", startLine);
    }

    /// <summary>A key as text, or as written when it holds a lone surrogate escape ("\ud800"), which cannot be read as text.</summary>
    private static string PropertyName(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
        }
    }

    private static void BeforeValue(List<Frame> stack)
    {
        if (stack.Count > 0 && stack[^1].IsArray)
        {
            stack[^1].Index++;
        }
    }

    private static string Path(List<Frame> stack)
    {
        var path = new System.Text.StringBuilder();
        foreach (var frame in stack)
        {
            if (frame.IsArray)
            {
                if (frame.Index >= 0)
                {
                    path.Append('[').Append(frame.Index).Append(']');
                }
            }
            else if (frame.Property is not null)
            {
                if (path.Length > 0)
                {
                    path.Append('.');
                }

                path.Append(frame.Property);
            }
        }

        return path.Length == 0 ? "record" : path.ToString();
    }

    private static int FindOffset(ReadOnlySpan<byte> bytes, int line, int position)
    {
        var offset = 0;
        for (var i = 0; i < line; i++)
        {
            var next = bytes[offset..].IndexOf((byte)'\n');
            if (next < 0)
            {
                return bytes.Length;
            }

            offset += next + 1;
        }

        return offset + position;
    }
}
