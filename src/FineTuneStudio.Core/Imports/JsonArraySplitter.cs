using System.Buffers;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Cuts a JSON array file into its elements as bytes arrive, keeping the line each element starts on, so a
/// file of any size is read one record at a time. Syntax inside an element is left to the JSON parser.
/// </summary>
internal sealed class JsonArraySplitter(int maxRecordBytes)
{
    private enum State { BeforeArray, ExpectValue, InValue, AfterValue, AfterArray, Failed }

    private readonly ArrayBufferWriter<byte> _element = new();
    private State _state = State.BeforeArray;
    private bool _started;
    private bool _afterComma;
    private int _line = 1;
    private int _elementLine;
    private int _depth;
    private bool _scalar;
    private bool _inString;
    private bool _escape;
    private bool _tooLong;

    public void Feed(ReadOnlySpan<byte> bytes, List<JsonExampleParser.RawRecord> output)
    {
        if (!_started)
        {
            _started = true;
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                bytes = bytes[3..];
            }
        }

        foreach (var b in bytes)
        {
            Step(b, output);
            if (b == (byte)'\n')
            {
                _line++;
            }
        }
    }

    public void Finish(List<JsonExampleParser.RawRecord> output)
    {
        switch (_state)
        {
            case State.InValue:
                // A cut-off element goes to the JSON parser, which says where it stops.
                Emit(output);
                break;
            case State.ExpectValue or State.AfterValue:
                output.Add(Error(_line, "the JSON array is not closed: ']' is missing at the end of the file"));
                break;
        }
    }

    private void Step(byte b, List<JsonExampleParser.RawRecord> output)
    {
        var isSpace = b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
        switch (_state)
        {
            case State.BeforeArray:
                if (b == (byte)'[')
                {
                    _state = State.ExpectValue;
                    _afterComma = false;
                }
                else if (!isSpace)
                {
                    output.Add(Error(_line, "a JSON array file must start with '['"));
                    _state = State.Failed;
                }

                break;
            case State.ExpectValue:
                if (isSpace)
                {
                    break;
                }

                if (b == (byte)']')
                {
                    if (_afterComma)
                    {
                        output.Add(Error(_line, "a comma before ']' has no record after it"));
                    }

                    _state = State.AfterArray;
                }
                else if (b == (byte)',')
                {
                    output.Add(Error(_line, "two commas with no record between them"));
                }
                else
                {
                    StartValue(b);
                }

                break;
            case State.InValue:
                InValue(b, output);
                break;
            case State.AfterValue:
                if (isSpace)
                {
                    break;
                }

                if (b == (byte)',')
                {
                    _state = State.ExpectValue;
                    _afterComma = true;
                }
                else if (b == (byte)']')
                {
                    _state = State.AfterArray;
                }
                else
                {
                    output.Add(Error(_line, "a comma is missing between two records"));
                    StartValue(b);
                }

                break;
            case State.AfterArray:
                if (!isSpace)
                {
                    output.Add(Error(_line, "more text follows the end of the JSON array"));
                    _state = State.Failed;
                }

                break;
        }
    }

    private void StartValue(byte b)
    {
        _state = State.InValue;
        _elementLine = _line;
        _element.ResetWrittenCount();
        _tooLong = false;
        _depth = 0;
        _inString = false;
        _escape = false;
        _scalar = b is not ((byte)'{' or (byte)'[');
        InValue(b, null);
    }

    private void InValue(byte b, List<JsonExampleParser.RawRecord>? output)
    {
        if (!_inString && _depth == 0 && _scalar && b is (byte)',' or (byte)']' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            // A bare value (number, literal) ends at the first byte that cannot belong to it.
            Emit(output!);
            _state = State.AfterValue;
            Step(b, output!);
            return;
        }

        Append(b);
        if (_inString)
        {
            if (_escape)
            {
                _escape = false;
            }
            else if (b == (byte)'\\')
            {
                _escape = true;
            }
            else if (b == (byte)'"')
            {
                _inString = false;
            }

            return;
        }

        switch (b)
        {
            case (byte)'"':
                _inString = true;
                break;
            case (byte)'{' or (byte)'[':
                _depth++;
                break;
            case (byte)'}' or (byte)']':
                _depth--;
                if (_depth <= 0 && !_scalar)
                {
                    Emit(output!);
                    _state = State.AfterValue;
                }

                break;
        }
    }

    private void Append(byte b)
    {
        if (_element.WrittenCount >= maxRecordBytes)
        {
            _tooLong = true;
            return;
        }

        _element.GetSpan(1)[0] = b;
        _element.Advance(1);
    }

    private void Emit(List<JsonExampleParser.RawRecord> output)
    {
        var bytes = _element.WrittenSpan;
        if (_tooLong)
        {
            output.Add(new JsonExampleParser.RawRecord(_elementLine, default,
                new InputError("record", $"the record is longer than {maxRecordBytes / (1024 * 1024)} MB", _elementLine)));
        }
        else if (Utf8Lines.FirstInvalidByte(bytes) >= 0)
        {
            output.Add(new JsonExampleParser.RawRecord(_elementLine, default, Utf8Lines.InvalidUtf8Error(bytes, _elementLine)));
        }
        else
        {
            // Copied: the buffer is reused for the next element while this one is still being read.
            output.Add(new JsonExampleParser.RawRecord(_elementLine, bytes.ToArray(), null));
        }
    }

    private static JsonExampleParser.RawRecord Error(int line, string message) => new(line, default, new InputError("file", message, line), AboutFile: true);
}
