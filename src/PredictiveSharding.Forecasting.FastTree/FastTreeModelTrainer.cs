using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using PredictiveSharding.Forecasting.Features;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>Builds lag-feature training rows from series and trains a FastTree regression ensemble on them with ML.NET.</summary>
internal sealed class FastTreeModelTrainer
{
    private readonly FastTreeForecasterOptions _options;

    public FastTreeModelTrainer(FastTreeForecasterOptions options)
    {
        _options = options;
    }

    /// <summary>
    /// The rows of every series' (origin, horizon step) pairs whose target lies before <paramref name="limit"/>(series),
    /// with origins thinned evenly when there would be more than <see cref="FastTreeForecasterOptions.MaxTrainingRows"/> rows.
    /// </summary>
    public List<FastTreeTrainingRow> Rows(IReadOnlyCollection<StoredSeries> series, Func<StoredSeries, int> limit)
    {
        var m = _options.SeasonLength;
        var horizon = _options.MaxHorizon;
        var context = Context;
        var possible = Possible(series, limit);
        var stride = Stride(possible);
        var rows = new List<FastTreeTrainingRow>((int)Math.Min(possible / stride, _options.MaxTrainingRows) + 1);
        foreach (var s in series)
        {
            var values = s.Values;
            var end = limit(s);
            for (var origin = context; origin < end; origin += stride)
            {
                var past = values.AsSpan(0, origin);
                var scale = LagFeatures.Scale(past, m);
                for (var h = 1; h <= horizon && origin + h - 1 < end; h++)
                {
                    var features = new float[LagFeatures.Count];
                    LagFeatures.Write(past, scale, h, s.Start + (s.Step * (origin + h - 1)), s.Step, m, features);
                    rows.Add(new FastTreeTrainingRow { Features = features, Label = (float)(values[origin + h - 1] / scale) });
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// The number of rows <see cref="Rows"/> gives for the same arguments, counted without building them, so that a fit
    /// can refuse a history too short to train on from the call, before any training starts.
    /// </summary>
    public long RowCount(IReadOnlyCollection<StoredSeries> series, Func<StoredSeries, int> limit)
    {
        var horizon = _options.MaxHorizon;
        var context = Context;
        var stride = Stride(Possible(series, limit));
        long count = 0;
        foreach (var s in series)
        {
            var end = limit(s);
            for (var origin = context; origin < end; origin += stride)
            {
                count += Math.Min(horizon, end - origin);
            }
        }

        return count;
    }

    /// <summary>Throws when <paramref name="count"/> rows are too few for the configured leaf size.</summary>
    /// <exception cref="ArgumentException">Fewer than twice <see cref="FastTreeForecasterOptions.MinimumExampleCountPerLeaf"/>.</exception>
    public void RequireRows(long count, string what, string paramName)
    {
        var needed = 2L * _options.MinimumExampleCountPerLeaf;
        if (count < needed)
        {
            throw new ArgumentException($"The history yields {count} training rows for the {what}; at least {needed} (twice MinimumExampleCountPerLeaf {_options.MinimumExampleCountPerLeaf}) are needed. Give longer series (each row needs {LagFeatures.ContextLength(_options.SeasonLength)} steps of context).", paramName);
        }
    }

    /// <summary>Trains an ensemble.</summary>
    /// <exception cref="ArgumentException">Too few rows for the configured leaf size.</exception>
    public TreeEnsembleEvaluator Train(List<FastTreeTrainingRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        RequireRows(rows.Count, "tree model", nameof(rows));

        // ML.NET keeps its cancellation hook internal, so a fit in progress (seconds) runs to its end; the token is
        // honoured before and after it.
        cancellationToken.ThrowIfCancellationRequested();
        var ml = new MLContext(_options.Seed);
        var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfTrees = _options.NumberOfTrees,
            NumberOfLeaves = _options.NumberOfLeaves,
            MinimumExampleCountPerLeaf = _options.MinimumExampleCountPerLeaf,
            LearningRate = _options.LearningRate,
            Seed = _options.Seed,
            NumberOfThreads = _options.NumberOfThreads,
            LabelColumnName = nameof(FastTreeTrainingRow.Label),
            FeatureColumnName = nameof(FastTreeTrainingRow.Features),
        });
        var model = trainer.Fit(ml.Data.LoadFromEnumerable(rows));
        cancellationToken.ThrowIfCancellationRequested();
        return new TreeEnsembleEvaluator(model.Model.TrainedTreeEnsemble);
    }

    private int Context => (int)LagFeatures.ContextLength(_options.SeasonLength); // within MaxHistoryLength, an int, once the options are valid

    private long Possible(IReadOnlyCollection<StoredSeries> series, Func<StoredSeries, int> limit)
    {
        var context = Context;
        long possible = 0;
        foreach (var s in series)
        {
            possible += Math.Max(limit(s) - context, 0) * (long)_options.MaxHorizon;
        }

        return possible;
    }

    private int Stride(long possible) => (int)Math.Max(1, (possible + _options.MaxTrainingRows - 1) / _options.MaxTrainingRows);
}
