using System.Text.Json;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// The checks of Amazon Bedrock's fine-tuning lines: Claude's (<c>system</c> text, <c>messages</c> of text) and Nova's
/// Converse shape (<c>schemaVersion</c>, <c>system</c> and every turn's <c>content</c> as lists of text blocks).
/// Turns are user and assistant only and alternate, from a user turn to a closing answer.
/// </summary>
public sealed partial class JsonlValidator
{
    private static readonly HashSet<string> s_bedrockTurnKeys = ["role", "content"];

    /// <summary>Words Nova's tuning reserves for its own prompt layout; a prompt that starts with one may be refused.</summary>
    private static readonly string[] s_novaReservedStarts = ["User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]"];

    private void CheckBedrock(JsonElement root, bool converse, LineIssues line)
    {
        if (converse && (!root.TryGetProperty("schemaVersion", out var schema) || schema.ValueKind != JsonValueKind.String))
        {
            line.Error("schemaVersion", schema.ValueKind == JsonValueKind.Undefined
                ? $"Missing schemaVersion (\"{BedrockLineWriter.ConverseSchema}\")."
                : "schemaVersion must be a string.");
        }

        if (root.TryGetProperty("system", out var system))
        {
            CheckBedrockContent(system, "system", converse, isUser: true, line);
        }
        else
        {
            line.Warn("system", "No system prompt.");
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            line.Error("messages", messages.ValueKind == JsonValueKind.Undefined ? "Missing messages." : "messages must be a list of turns.");
            return;
        }

        var (count, lastRole) = (0, (string?)null);
        foreach (var turn in messages.EnumerateArray())
        {
            var path = $"messages[{count}]";
            var expected = count++ % 2 == 0 ? "user" : "assistant";
            if (turn.ValueKind != JsonValueKind.Object)
            {
                line.Error(path, "Each turn must be an object with role and content.");
                lastRole = null;
                continue;
            }

            CheckKeys(turn, path, s_bedrockTurnKeys, line);
            lastRole = turn.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String ? role.GetString() : null;
            if (lastRole is not ("user" or "assistant"))
            {
                line.Error(path + ".role", "role must be user or assistant (a system prompt goes in system).");
            }
            else if (lastRole != expected)
            {
                line.Error(path + ".role", $"Expected {(expected == "user" ? "a user" : "an assistant")} turn: turns alternate, starting with the user.");
            }

            if (!turn.TryGetProperty("content", out var content))
            {
                line.Error(path + ".content", "Missing content.");
            }
            else
            {
                CheckBedrockContent(content, path + ".content", converse, lastRole == "user", line);
            }
        }

        if (count < 2)
        {
            line.Error("messages", "Bedrock needs at least two turns: a user turn and the assistant's answer.");
        }
        else if (lastRole != "assistant")
        {
            line.Error($"messages[{count - 1}]", "The last turn must be the assistant's answer.");
        }
    }

    /// <summary>Claude: a non-empty string. Nova: a non-empty list of text blocks (image and video blocks are warned, not counted).</summary>
    private static void CheckBedrockContent(JsonElement content, string path, bool converse, bool isUser, LineIssues line)
    {
        if (!converse)
        {
            if (content.ValueKind != JsonValueKind.String)
            {
                line.Error(path, "Must be text (a string).");
            }
            else if (string.IsNullOrWhiteSpace(content.GetString()))
            {
                line.Error(path, "Empty text.");
            }

            return;
        }

        if (content.ValueKind != JsonValueKind.Array || content.GetArrayLength() == 0)
        {
            line.Error(path, "Must be a non-empty list of content blocks, such as {\"text\": \"...\"}.");
            return;
        }

        var i = 0;
        foreach (var block in content.EnumerateArray())
        {
            var blockPath = $"{path}[{i++}]";
            if (block.ValueKind != JsonValueKind.Object)
            {
                line.Error(blockPath, "Each content block must be an object.");
            }
            else if (block.TryGetProperty("text", out var text))
            {
                if (text.ValueKind != JsonValueKind.String)
                {
                    line.Error(blockPath + ".text", "text must be a string.");
                }
                else if (isUser && s_novaReservedStarts.FirstOrDefault(w => text.GetString()!.TrimStart().StartsWith(w, StringComparison.OrdinalIgnoreCase)) is { } reserved)
                {
                    line.Warn(blockPath + ".text", $"Starts with '{reserved}', a keyword Nova's tuning reserves for its own prompt layout; reword the start.");
                }
            }
            else if (block.TryGetProperty("image", out _) || block.TryGetProperty("video", out _))
            {
                line.Warn(blockPath, "An image or video block: its tokens are not counted here.");
            }
            else
            {
                line.Error(blockPath, "A content block holds text (or an image or video).");
            }
        }
    }
}
