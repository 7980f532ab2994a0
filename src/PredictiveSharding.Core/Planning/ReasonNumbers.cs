using System.Globalization;

namespace PredictiveSharding.Planning;

/// <summary>
/// How both planners' reasons print a value beside the setting it is held against: with two fixed decimals a node just
/// over its 0.8 threshold read "0.80 × capacity … > threshold 0.80", a threshold of 0.855 was printed "0.86", and a
/// merge share of 0.004 "0.00", below the peak it bounds.
/// </summary>
internal static class ReasonNumbers
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A setting (a threshold, the split or merge share) with the decimals it has: at least two, at most six ("0.80", "0.35", "0.004").</summary>
    public static string Setting(double value) => value.ToString("0.00####", Inv);

    /// <summary>
    /// A value held against <paramref name="setting"/>: with <paramref name="decimals"/> decimals, or as many as the
    /// setting is shown with (<see cref="Setting"/>) when that is more, and more still (at most six) while the two would
    /// not read in the order they are in: a utilisation of 0.803 over a threshold of 0.8 reads 0.803, not 0.80.
    /// </summary>
    public static string Against(double value, double setting, int decimals = 2)
    {
        var shown = Setting(setting);
        var shownSetting = double.Parse(shown, Inv);
        var separator = shown.IndexOf('.', StringComparison.Ordinal);
        decimals = Math.Max(decimals, separator < 0 ? 0 : shown.Length - separator - 1);
        var text = Fixed(value, decimals);
        while (decimals < 6 && double.Parse(text, Inv).CompareTo(shownSetting) != value.CompareTo(setting))
        {
            text = Fixed(value, ++decimals);
        }

        return text;
    }

    private static string Fixed(double value, int decimals) => value.ToString("0." + new string('0', decimals), Inv);
}
