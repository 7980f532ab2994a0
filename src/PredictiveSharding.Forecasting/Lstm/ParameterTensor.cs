namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>One named parameter matrix inside <see cref="LstmNetwork.Parameters"/> (row-major).</summary>
internal readonly record struct ParameterTensor(string Name, int Offset, int Rows, int Columns)
{
    public int Length => Rows * Columns;
}
