namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>Which logistic function <see cref="LstmCell.Forward"/> uses for the gates and <c>tanh(c)</c>.</summary>
internal enum CellSigmoid
{
    /// <summary>
    /// <see cref="Logistic"/>: single precision, fused into the per-row pass. Inference uses it; on hosts without
    /// AVX-512 it is about a third faster than <c>TensorPrimitives.Sigmoid</c>, which widens to double.
    /// </summary>
    Logistic,

    /// <summary>
    /// <c>TensorPrimitives.Sigmoid</c> over whole blocks. The optimiser's steps use it: it is the arithmetic the
    /// forecaster's and the simulation's defaults were chosen with, and training with <see cref="Logistic"/> measured a
    /// loss on the trace comparison (docs/measurements.md, "Session 42" and "Session 43") that inference alone does not
    /// carry. The validation passes inside training are inference and use <see cref="Logistic"/>, like the forecasts
    /// whose quality they judge.
    /// </summary>
    TensorPrimitives,
}
