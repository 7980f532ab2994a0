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
        var context = (int)LagFeatures.ContextLength(m); // within MaxHistoryLength, an int, once the options are valid
        long possible = 0;
        foreach (var s in series)
        {
            possible += Math.Max(limit(s) - context, 0) * (long)horizon;
        }

        var stride = (int)Math.Max(1, (possible + _options.MaxTrainingRows - 1) / _options.MaxTrainingRows);
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

    /// <summary>Trains an ensemble.</summary>
    /// <exception cref="ArgumentException">Too few rows for the configured leaf size.</exception>
    public TreeEnsembleEvaluator Train(List<FastTreeTrainingRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var needed = 2 * _options.MinimumExampleCountPerLeaf;
        if (rows.Count < needed)
        {
            throw new ArgumentException($"The history yields {rows.Count} training rows for the tree model; at least {needed} (twice MinimumExampleCountPerLeaf) are needed. Give longer series (each row needs {LagFeatures.ContextLength(_options.SeasonLength)} steps of context).", nameof(rows));
        }

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
}
