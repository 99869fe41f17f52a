using Microsoft.ML;

namespace RnnMlNet.Sequences;

/// <summary>What <c>SplitIntoCharacters</c> returns: its chain of ML.NET transforms and glue, with the input column checked
/// by name first (the chain's glue would name a column of its own).</summary>
internal sealed class CharacterSplitEstimator(string inputColumnName, IEstimator<ITransformer> chain) : IEstimator<ITransformer>
{
    private const string Expected = "a scalar text column to split into characters";

    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        SchemaChecks.FindText(input.Schema, inputColumnName, Expected);
        return chain.Fit(input);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SchemaChecks.CheckText(inputSchema, inputColumnName, Expected);
        return chain.GetOutputSchema(inputSchema);
    }
}
