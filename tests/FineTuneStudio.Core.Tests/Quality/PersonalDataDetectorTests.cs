using FineTuneStudio.Core.Quality;

namespace FineTuneStudio.Core.Tests.Quality;

public class PersonalDataDetectorTests
{
    [Theory]
    [InlineData("Write to jane.doe+shop@example.co.uk today.", PersonalDataKind.Email)]
    [InlineData("Call me on +44 20 7946 0958 after six.", PersonalDataKind.Phone)]
    [InlineData("Our office: (415) 555-2671.", PersonalDataKind.Phone)]
    [InlineData("Mobile 415-555-2671", PersonalDataKind.Phone)]
    [InlineData("Card 4111 1111 1111 1111 was declined.", PersonalDataKind.PaymentCard)]
    [InlineData("Card 5555-5555-5555-4444 exp 10/28", PersonalDataKind.PaymentCard)]
    [InlineData("Pay to DE89 3704 0044 0532 0130 00 please.", PersonalDataKind.Iban)]
    [InlineData("IBAN GB82WEST12345698765432", PersonalDataKind.Iban)]
    [InlineData("Login from 203.0.113.45 failed.", PersonalDataKind.IpAddress)]
    [InlineData("Client 2001:db8:85a3::8a2e:370:7334 connected.", PersonalDataKind.IpAddress)]
    public void Find_RealLookingData_IsFound(string text, PersonalDataKind kind)
    {
        PersonalDataDetector.Find(text).Select(m => m.Kind).ShouldBe([kind]);
    }

    [Theory]
    [InlineData("Upgrade to version 4.12.3 first.")]
    [InlineData("Released on 2024-01-15 at 10:30, see 15.01.2024 notes.")]
    [InlineData("Your order ORD-2024-118822 has shipped.")]
    [InlineData("Ticket #118822 and invoice 2024/118822.")]
    [InlineData("Card 4111 1111 1111 1112 fails the Luhn check.")]
    [InlineData("Reference 1234567890123456 is an account id.")]
    [InlineData("IBAN DE00 3704 0044 0532 0130 00 has wrong check digits.")]
    [InlineData("Version 10.0.401.2 and build 1.2.3.4 of the SDK.")]
    [InlineData("The meeting runs 10:30:00 to 11:45:00, ratio 16:9.")]
    [InlineData("Use std::vector and a::b in C++.")]
    [InlineData("Twitter handle @shopbot, price 1 250 EUR.")]
    [InlineData("Localhost 127.0.0.1 and ::1 are fine.")]
    public void Find_LookAlikes_AreNotFlagged(string text)
    {
        PersonalDataDetector.Find(text).ShouldBeEmpty();
    }

    [Fact]
    public void Find_Match_PointsAtTheValue()
    {
        const string text = "Mail ana@example.org now";

        var match = PersonalDataDetector.Find(text).Single();

        text.Substring(match.Index, match.Length).ShouldBe("ana@example.org");
    }

    [Theory]
    // 79927398713 is the usual Luhn illustration: doubled digits from the right give 70 total.
    [InlineData("79927398713", true)]
    [InlineData("79927398710", false)]
    public void PassesLuhn_KnownNumbers_AreChecked(string digits, bool expected)
    {
        PersonalDataDetector.PassesLuhn(digits).ShouldBe(expected);
    }
}
