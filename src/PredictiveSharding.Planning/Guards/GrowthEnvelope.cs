namespace PredictiveSharding.Planning.Guards;

/// <summary>
/// The largest one-step growth ratio seen from a load at least as large as a given one. Load made of many requests
/// grows by a smaller factor than a trickle does (a function going from 60 to 290 requests a minute is common, from
/// 5,000 to 24,000 is not), so a partition's plausible burst is judged by growth from loads like its own or larger, not by
/// the largest jump of any partition. Loads are binned by their share of a node's capacity, two bins per doubling; a
/// bin keeps the largest ratio that started in it.
/// </summary>
internal sealed class GrowthEnvelope
{
    /// <summary>The lower edge of the second bin (shares below it share the first).</summary>
    private const double MinShare = 0.01;

    private const double BinsPerDoubling = 2;

    /// <summary>Two per doubling from 1% of a node: the top bin starts at about 300 × a node, past any real partition.</summary>
    private const int Bins = 30;

    private readonly double[] _max = new double[Bins];

    /// <summary>True until a growth (any ratio) has been added.</summary>
    public bool IsEmpty { get; private set; } = true;

    /// <summary>
    /// Records a step from <paramref name="baseShare"/> (load as a share of a node's capacity) growing by
    /// <paramref name="ratio"/>; ignores values that are not positive, finite numbers (an infinite load is a measurement
    /// glitch, not growth evidence, and an infinite ratio kept here would make every later bound infinite).
    /// </summary>
    public void Add(double baseShare, double ratio)
    {
        if (!(baseShare > 0) || !(ratio > 0) || !double.IsFinite(ratio) || !double.IsFinite(baseShare))
        {
            return;
        }

        var bin = Bin(baseShare);
        _max[bin] = Math.Max(_max[bin], ratio);
        IsEmpty = false;
    }

    /// <summary>
    /// The largest ratio seen from a load in <paramref name="share"/>'s bin or above; when none was seen that large, the
    /// largest seen from the largest loads there were (the nearest evidence). At least 1.
    /// </summary>
    public double At(double share)
    {
        var from = Bin(share);
        double best = 0;
        for (var b = Bins - 1; b >= 0; b--)
        {
            best = Math.Max(best, _max[b]);
            if (b <= from && best > 0)
            {
                break;
            }
        }

        return Math.Max(1, best);
    }

    private static int Bin(double share) =>
        !(share > MinShare) ? 0 : Math.Min(Bins - 1, 1 + (int)Math.Floor(Math.Log2(share / MinShare) * BinsPerDoubling));
}
