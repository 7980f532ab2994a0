using Microsoft.ML.Data;
using PredictiveSharding.Forecasting.Features;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>One training example of the tree forecaster, in the shape ML.NET loads.</summary>
internal sealed class FastTreeTrainingRow
{
    /// <summary>The lag and calendar features.</summary>
    [VectorType(LagFeatures.Count)]
    public float[] Features { get; set; } = [];

    /// <summary>The scaled load of the target step.</summary>
    public float Label { get; set; }
}
