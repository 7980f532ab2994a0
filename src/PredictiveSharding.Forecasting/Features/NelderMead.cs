namespace PredictiveSharding.Forecasting.Features;

/// <summary>
/// The Nelder–Mead simplex method (Nelder and Mead 1965, with the usual coefficients: reflection 1, expansion 2,
/// contraction ½, shrink ½). Deterministic; used where a handful of smoothing parameters are fitted per series.
/// </summary>
internal static class NelderMead
{
    /// <summary>Minimises <paramref name="objective"/> from <paramref name="start"/>; returns the best point found.</summary>
    /// <param name="objective">The function; may return +∞ for infeasible points.</param>
    /// <param name="start">The starting point (not modified).</param>
    /// <param name="initialStep">The size of the initial simplex along each axis.</param>
    /// <param name="maxEvaluations">The evaluation budget.</param>
    /// <param name="tolerance">Stop once the simplex's function values differ by less than this (relative to the best).</param>
    /// <param name="cancellationToken">Checked every iteration.</param>
    public static (double[] Point, double Value) Minimize(Func<double[], double> objective, double[] start, double initialStep, int maxEvaluations, double tolerance, CancellationToken cancellationToken)
    {
        var n = start.Length;
        var simplex = new double[n + 1][];
        var values = new double[n + 1];
        var evaluations = 0;
        for (var i = 0; i <= n; i++)
        {
            simplex[i] = (double[])start.Clone();
            if (i > 0)
            {
                simplex[i][i - 1] += initialStep;
            }

            values[i] = Evaluate(simplex[i]);
        }

        var order = new int[n + 1];
        var centroid = new double[n];
        var trial = new double[n];
        var trial2 = new double[n];
        while (evaluations < maxEvaluations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i <= n; i++)
            {
                order[i] = i;
            }

            Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));
            var best = order[0];
            var worst = order[n];
            var secondWorst = order[n - 1];
            if (double.IsFinite(values[worst]) && Math.Abs(values[worst] - values[best]) <= tolerance * (Math.Abs(values[best]) + 1e-12))
            {
                break;
            }

            Array.Clear(centroid);
            for (var i = 0; i <= n; i++)
            {
                if (i == worst)
                {
                    continue;
                }

                for (var d = 0; d < n; d++)
                {
                    centroid[d] += simplex[i][d] / n;
                }
            }

            Along(centroid, simplex[worst], -1.0, trial);
            var reflected = Evaluate(trial);
            if (reflected < values[best])
            {
                Along(centroid, simplex[worst], -2.0, trial2);
                var expanded = Evaluate(trial2);
                Replace(worst, expanded < reflected ? trial2 : trial, Math.Min(expanded, reflected));
            }
            else if (reflected < values[secondWorst])
            {
                Replace(worst, trial, reflected);
            }
            else
            {
                var outside = reflected < values[worst];
                Along(centroid, simplex[worst], outside ? -0.5 : 0.5, trial2);
                var contracted = Evaluate(trial2);
                if (contracted < (outside ? reflected : values[worst]))
                {
                    Replace(worst, trial2, contracted);
                }
                else
                {
                    for (var i = 0; i <= n; i++)
                    {
                        if (i == best)
                        {
                            continue;
                        }

                        for (var d = 0; d < n; d++)
                        {
                            simplex[i][d] = simplex[best][d] + (0.5 * (simplex[i][d] - simplex[best][d]));
                        }

                        values[i] = Evaluate(simplex[i]);
                    }
                }
            }
        }

        var bestIndex = 0;
        for (var i = 1; i <= n; i++)
        {
            if (values[i] < values[bestIndex])
            {
                bestIndex = i;
            }
        }

        return (simplex[bestIndex], values[bestIndex]);

        double Evaluate(double[] x)
        {
            evaluations++;
            var v = objective(x);
            return double.IsNaN(v) ? double.PositiveInfinity : v;
        }

        void Replace(int index, double[] point, double value)
        {
            Array.Copy(point, simplex[index], n);
            values[index] = value;
        }
    }

    /// <summary>destination = centroid + t · (point − centroid); t = −1 reflects, −2 expands, ±½ contracts.</summary>
    private static void Along(double[] centroid, double[] point, double t, double[] destination)
    {
        for (var d = 0; d < centroid.Length; d++)
        {
            destination[d] = centroid[d] + (t * (point[d] - centroid[d]));
        }
    }
}
