using System.Globalization;

namespace PredictiveSharding.Cli.Tests;

/// <summary>
/// Makes the current thread's culture one that writes numbers as German does (decimal comma, '.' between thousands)
/// until disposed. Cloned from the invariant culture rather than looked up as "de-DE", so it works on a machine without
/// ICU (globalization-invariant mode), where named cultures cannot be created.
/// </summary>
internal sealed class DecimalCommaCulture : IDisposable
{
    private readonly CultureInfo _previous = CultureInfo.CurrentCulture;

    public DecimalCommaCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = ".";
        CultureInfo.CurrentCulture = culture;
    }

    public void Dispose() => CultureInfo.CurrentCulture = _previous;
}
