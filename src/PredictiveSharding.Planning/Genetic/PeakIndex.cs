namespace PredictiveSharding.Planning.Genetic;

/// <summary>The three highest node peaks, so the peak without any two nodes is known in O(1) while scoring moves.</summary>
internal struct PeakIndex
{
    private double _v0;
    private double _v1;
    private double _v2;
    private int _i0;
    private int _i1;

    public static PeakIndex Build(ReadOnlySpan<double> peaks)
    {
        var index = new PeakIndex { _i0 = -1, _i1 = -1 };
        for (var n = 0; n < peaks.Length; n++)
        {
            var v = peaks[n];
            if (index._i0 < 0 || v > index._v0)
            {
                index._v2 = index._v1;
                index._v1 = index._v0;
                index._i1 = index._i0;
                index._v0 = v;
                index._i0 = n;
            }
            else if (index._i1 < 0 || v > index._v1)
            {
                index._v2 = index._v1;
                index._v1 = v;
                index._i1 = n;
            }
            else if (v > index._v2)
            {
                index._v2 = v;
            }
        }

        return index;
    }

    /// <summary>The hottest node (lowest index among ties).</summary>
    public readonly int Hottest => _i0;

    public readonly double Max => _v0;

    /// <summary>The highest peak among nodes other than <paramref name="a"/> and <paramref name="b"/>.</summary>
    public readonly double MaxExcluding(int a, int b)
    {
        if (_i0 != a && _i0 != b)
        {
            return _v0;
        }

        if (_i1 >= 0 && _i1 != a && _i1 != b)
        {
            return _v1;
        }

        return _v2;
    }
}
