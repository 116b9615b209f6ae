using System.Net;
using System.Net.Sockets;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace FineTuneStudio.Core.Quality;

[JsonConverter(typeof(JsonStringEnumConverter<PersonalDataKind>))]
public enum PersonalDataKind { Email, Phone, PaymentCard, Iban, IpAddress }

/// <summary>Where likely personal data sits in a text; the value itself is never copied out.</summary>
public readonly record struct PersonalDataMatch(PersonalDataKind Kind, int Index, int Length);

/// <summary>
/// Finds likely personal data. Patterns cast a wide net and checks narrow it (Luhn for cards,
/// mod 97 for IBANs, address parsing for IPs, digit counts for phones) so that version numbers,
/// dates and order ids are not reported.
/// </summary>
public static partial class PersonalDataDetector
{
    [GeneratedRegex(@"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    // Runs of 13-19 digits, optionally grouped by single spaces or hyphens.
    [GeneratedRegex(@"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex CardPattern();

    [GeneratedRegex(@"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex IbanPattern();

    [GeneratedRegex(@"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4Pattern();

    [GeneratedRegex(@"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6Pattern();

    // Optional +country code, optional (area), then two to five digit groups split by space, hyphen or dot.
    [GeneratedRegex(@"(?<![\w+\-./])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,5}(?:[ .-]\d{1,5}){1,5}(?![\w\-:/]|\.\d)|(?<![\w+])\+\d{7,15}(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    // Dotted numbers right after "version", "build" or "release" are versions, not addresses.
    [GeneratedRegex(@"(?:\bv|\bversion|\bver\.?|\bbuild|\brelease)\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex VersionPrefix();

    public static bool ContainsAny(string? text) => !string.IsNullOrEmpty(text) && Find(text).Any();

    /// <summary>Every match, in order of kind then position; overlapping matches of lower priority are dropped.</summary>
    public static IEnumerable<PersonalDataMatch> Find(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var taken = new List<(int Start, int End)>();

        // Digits quick check keeps the common case (prose without numbers) cheap.
        var hasDigit = text.AsSpan().IndexOfAnyInRange('0', '9') >= 0;
        if (text.Contains('@'))
        {
            foreach (Match m in EmailPattern().Matches(text))
            {
                taken.Add((m.Index, m.Index + m.Length));
                yield return new PersonalDataMatch(PersonalDataKind.Email, m.Index, m.Length);
            }
        }

        if (!hasDigit)
        {
            yield break;
        }

        foreach (Match m in IbanPattern().Matches(text))
        {
            if (!Overlaps(taken, m) && IsIban(m.Value))
            {
                taken.Add((m.Index, m.Index + m.Length));
                yield return new PersonalDataMatch(PersonalDataKind.Iban, m.Index, m.Length);
            }
        }

        foreach (Match m in CardPattern().Matches(text))
        {
            if (!Overlaps(taken, m) && IsCardNumber(m.Value))
            {
                taken.Add((m.Index, m.Index + m.Length));
                yield return new PersonalDataMatch(PersonalDataKind.PaymentCard, m.Index, m.Length);
            }
        }

        foreach (Match m in Ipv4Pattern().Matches(text))
        {
            if (!Overlaps(taken, m) && IsIpv4(m.Value) && !VersionPrefix().IsMatch(text.AsSpan(0, m.Index)))
            {
                taken.Add((m.Index, m.Index + m.Length));
                yield return new PersonalDataMatch(PersonalDataKind.IpAddress, m.Index, m.Length);
            }
        }

        if (text.Contains(':'))
        {
            foreach (Match m in Ipv6Pattern().Matches(text))
            {
                if (!Overlaps(taken, m) && IsIpv6(m.Value))
                {
                    taken.Add((m.Index, m.Index + m.Length));
                    yield return new PersonalDataMatch(PersonalDataKind.IpAddress, m.Index, m.Length);
                }
            }
        }

        foreach (Match m in PhonePattern().Matches(text))
        {
            if (!Overlaps(taken, m) && IsPhone(m.Value))
            {
                taken.Add((m.Index, m.Index + m.Length));
                yield return new PersonalDataMatch(PersonalDataKind.Phone, m.Index, m.Length);
            }
        }
    }

    /// <summary>The Luhn check used by payment card numbers.</summary>
    public static bool PassesLuhn(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (d is < 0 or > 9)
            {
                return false;
            }

            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return digits.Length > 0 && sum % 10 == 0;
    }

    /// <summary>ISO 13616 check: move the first four characters to the end, letters to 10-35, the number mod 97 must be 1.</summary>
    public static bool IsIban(string value)
    {
        var compact = value.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        if (compact.Length is < 15 or > 34 || !char.IsAsciiLetter(compact[0]) || !char.IsAsciiLetter(compact[1])
            || !char.IsAsciiDigit(compact[2]) || !char.IsAsciiDigit(compact[3]))
        {
            return false;
        }

        var rearranged = compact[4..] + compact[..4];
        var remainder = 0;
        foreach (var c in rearranged)
        {
            if (char.IsAsciiDigit(c))
            {
                remainder = (remainder * 10 + (c - '0')) % 97;
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            }
            else
            {
                return false;
            }
        }

        return remainder == 1;
    }

    private static bool IsCardNumber(string value)
    {
        Span<char> digits = stackalloc char[value.Length];
        var n = Digits(value, digits);
        // Issuer numbers start 2-6; a leading 0, 1, 7, 8 or 9 is an account or reference number.
        return n is >= 13 and <= 19 && digits[0] is >= '2' and <= '6' && PassesLuhn(digits[..n]);
    }

    private static bool IsIpv4(string value)
    {
        var parts = value.Split('.');
        foreach (var part in parts)
        {
            if (part.Length > 1 && part[0] == '0' || int.Parse(part, System.Globalization.CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        // 0.x and 127.x are placeholders and the local machine, not anyone's address.
        return parts[0] is not ("0" or "127");
    }

    private static bool IsIpv6(string value)
    {
        if (value.Count(c => c == ':') < 2 || !IPAddress.TryParse(value, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        // "::" and "::1" are placeholders, and short forms like "a::b" look more like code than addresses.
        return !IPAddress.IPv6Loopback.Equals(address) && !IPAddress.IPv6None.Equals(address)
            && value.Split(':').Any(g => g.Length >= 3);
    }

    private static bool IsPhone(string value)
    {
        Span<char> digits = stackalloc char[value.Length];
        var n = Digits(value, digits);
        var international = value.StartsWith('+');
        var hasArea = value.Contains('(');
        if (n > 15 || n < (international || hasArea ? 7 : 9))
        {
            return false;
        }

        if (international || hasArea)
        {
            return true;
        }

        // Without a country code or area code, require a plain grouping with at least one space or
        // hyphen and no group longer than four digits after the first: this leaves out dotted version
        // numbers, ISO dates and reference numbers.
        var groups = value.Split([' ', '-', '.'], StringSplitOptions.RemoveEmptyEntries);
        if (value.Contains('.') && !(groups.Length == 3 && groups[0].Length == 3 && groups[1].Length == 3 && groups[2].Length == 4))
        {
            return false;
        }

        return groups.Length >= 2 && groups.Skip(1).All(g => g.Length is >= 2 and <= 4);
    }

    private static int Digits(string value, Span<char> into)
    {
        var n = 0;
        foreach (var c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                into[n++] = c;
            }
        }

        return n;
    }

    private static bool Overlaps(List<(int Start, int End)> taken, Match m)
    {
        foreach (var (start, end) in taken)
        {
            if (m.Index < end && start < m.Index + m.Length)
            {
                return true;
            }
        }

        return false;
    }
}
