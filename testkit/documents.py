"""Named GraphQL documents the tests send, as a client would."""

LOGIN_MUTATION = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token user { id email role } errors { code message field retryAfter }
  }
}
"""

LOGOUT_MUTATION = "mutation { logout { ok errors { code message } } }"

ME_QUERY = "query { me { id email name role active } }"

USERS_QUERY = "query { users { id email name role active } }"

CREATE_USER_MUTATION = """
mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id email name role active } errors { code message field } }
}
"""

UPDATE_USER_MUTATION = """
mutation UpdateUser($input: UpdateUserInput!) {
  updateUser(input: $input) { user { id email name role active } errors { code message field } }
}
"""

PROCESS_FIELDS = """
  id name isDefault totalWeight
  stages {
    id name position
    steps {
      id name position weight mandatory whoCanPerform performers { id }
      requireNote notify notifyUsers { id }
      triggerTask { title dueInDays assignee }
    }
  }
"""

PROCESSES_QUERY = f"query {{ processes {{ {PROCESS_FIELDS} }} }}"

PROCESS_QUERY = f"query Process($id: ID!) {{ process(id: $id) {{ {PROCESS_FIELDS} }} }}"

NODE_QUERY = """
query Node($id: ID!) {
  node(id: $id) {
    __typename id
    ... on User { email }
    ... on Process { name }
    ... on Stage { name archivedAt }
    ... on Step { name weight archivedAt }
  }
}
"""

CREATE_PROCESS_MUTATION = f"""
mutation CreateProcess($input: ProcessInput!) {{
  createProcess(input: $input) {{ process {{ {PROCESS_FIELDS} }} errors {{ code message field }} }}
}}
"""

UPDATE_PROCESS_MUTATION = f"""
mutation UpdateProcess($input: UpdateProcessInput!) {{
  updateProcess(input: $input) {{ process {{ {PROCESS_FIELDS} }} errors {{ code message field }} }}
}}
"""

DELETE_PROCESS_MUTATION = """
mutation DeleteProcess($id: ID!) {
  deleteProcess(input: {id: $id}) { process { id name } errors { code message field } }
}
"""

SET_DEFAULT_PROCESS_MUTATION = """
mutation SetDefault($id: ID!) {
  setDefaultProcess(input: {id: $id}) { process { id isDefault } errors { code message field } }
}
"""

DEAL_FIELDS = """
  id name company contactPerson value currency source expectedCloseDate isPublic status
  probability forecastValue version lostReason stageEnteredAt deletedAt profit taskStatus
  owner { id } participants { id }
  process { id name }
  stage { id name }
  lostAtStage { id name }
  costs { name amount }
  lineItems { product { id name active } name quantity unitPrice discountPercent amount }
  completedSteps { step { id name } completedBy { id } note fileUrl fileName }
  missingMandatorySteps { id name }
  tasks { id title dueAt done assignee { id } }
  isRotten rottenSince lead { id name }
"""

DEAL_PAYLOAD = f"deal {{ {DEAL_FIELDS} }} errors {{ code message field ids }}"

CREATE_DEAL_MUTATION = f"""
mutation CreateDeal($input: CreateDealInput!) {{ createDeal(input: $input) {{ {DEAL_PAYLOAD} }} }}
"""

UPDATE_DEAL_MUTATION = f"""
mutation UpdateDeal($input: UpdateDealInput!) {{ updateDeal(input: $input) {{ {DEAL_PAYLOAD} }} }}
"""

DEAL_QUERY = f"query Deal($id: ID!) {{ deal(id: $id) {{ {DEAL_FIELDS} }} }}"

DEALS_QUERY = """
query Deals($filter: BoardFilter, $status: [DealStatus!], $processId: ID, $first: Int,
            $after: String, $orderBy: DealOrder) {
  deals(filter: $filter, status: $status, processId: $processId, first: $first, after: $after,
        orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name value } }
  }
}
"""

DELETED_DEALS_QUERY = """
query { deletedDeals { totalCount edges { node { id name deletedAt } } } }
"""

HISTORY_QUERY = """
query History($id: ID!, $first: Int, $after: String) {
  deal(id: $id) {
    history(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges {
        cursor node { kind cursor actor { id } changes { field from to } step { name } note }
      }
    }
  }
}
"""

COMPLETE_STEP_MUTATION = f"""
mutation CompleteStep($input: CompleteStepInput!) {{
  completeStep(input: $input) {{ {DEAL_PAYLOAD} }}
}}
"""

UNCOMPLETE_STEP_MUTATION = f"""
mutation UncompleteStep($input: UncompleteStepInput!) {{
  uncompleteStep(input: $input) {{ {DEAL_PAYLOAD} }}
}}
"""

CHANGE_DEAL_PROCESS_MUTATION = f"""
mutation ChangeProcess($input: ChangeDealProcessInput!) {{
  changeDealProcess(input: $input) {{ {DEAL_PAYLOAD} }}
}}
"""

WIN_DEAL_MUTATION = f"mutation Win($id: ID!) {{ winDeal(input: {{id: $id}}) {{ {DEAL_PAYLOAD} }} }}"

LOSE_DEAL_MUTATION = f"""
mutation Lose($input: CloseDealInput!) {{ loseDeal(input: $input) {{ {DEAL_PAYLOAD} }} }}
"""

CANCEL_DEAL_MUTATION = f"""
mutation Cancel($input: CloseDealInput!) {{ cancelDeal(input: $input) {{ {DEAL_PAYLOAD} }} }}
"""

REOPEN_DEAL_MUTATION = (
    f"mutation Reopen($id: ID!) {{ reopenDeal(input: {{id: $id}}) {{ {DEAL_PAYLOAD} }} }}"
)

DELETE_DEAL_MUTATION = (
    f"mutation Delete($id: ID!) {{ deleteDeal(input: {{id: $id}}) {{ {DEAL_PAYLOAD} }} }}"
)

RESTORE_DEAL_MUTATION = (
    f"mutation Restore($id: ID!) {{ restoreDeal(input: {{id: $id}}) {{ {DEAL_PAYLOAD} }} }}"
)

SET_DEAL_PUBLIC_MUTATION = f"""
mutation SetPublic($input: SetDealPublicInput!) {{
  setDealPublic(input: $input) {{ {DEAL_PAYLOAD} }}
}}
"""

ADD_PARTICIPANT_MUTATION = f"""
mutation Add($input: ParticipantInput!) {{ addParticipant(input: $input) {{ {DEAL_PAYLOAD} }} }}
"""

REMOVE_PARTICIPANT_MUTATION = f"""
mutation Remove($input: ParticipantInput!) {{
  removeParticipant(input: $input) {{ {DEAL_PAYLOAD} }}
}}
"""

JOIN_DEAL_MUTATION = (
    f"mutation Join($id: ID!) {{ joinDeal(input: {{id: $id}}) {{ {DEAL_PAYLOAD} }} }}"
)

REQUEST_ACCESS_MUTATION = """
mutation Request($id: ID!, $key: String) {
  requestDealAccess(input: {id: $id, idempotencyKey: $key}) {
    request { id status requester { id } deal { id } } errors { code message field }
  }
}
"""

ANSWER_ACCESS_MUTATION = """
mutation Answer($input: AnswerAccessRequestInput!) {
  answerAccessRequest(input: $input) {
    request { id status deal { id } } errors { code message field }
  }
}
"""

CREATE_TASK_MUTATION = """
mutation CreateTask($input: CreateTaskInput!) {
  createTask(input: $input) {
    task { id title dueAt done assignee { id } deal { id } } errors { code message field }
  }
}
"""

COMPLETE_TASK_MUTATION = """
mutation CompleteTask($id: ID!) {
  completeTask(input: {id: $id}) { task { id done } errors { code message field } }
}
"""

MY_TASKS_QUERY = "query { myTasks(includeDone: true) { id title done deal { id } } }"

TASK_FIELDS = "id title dueAt done assignee { id } deal { id }"

UPDATE_TASK_MUTATION = f"""
mutation UpdateTask($input: UpdateTaskInput!) {{
  updateTask(input: $input) {{ task {{ {TASK_FIELDS} }} errors {{ code message field }} }}
}}
"""

DEAL_TASK_DOT_QUERY = """
query DealTaskDot($id: ID!) {
  deal(id: $id) { taskStatus tasks { id title dueAt done assignee { id } } }
}
"""

BOARD_QUERY = """
query Board($processId: ID!, $filter: BoardFilter, $first: Int, $after: String) {
  board(processId: $processId, filter: $filter) {
    process { id name } dealCount totalValue forecastValue
    columns {
      stage { id name position } dealCount totalValue forecastValue
      deals(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id name value probability forecastValue taskStatus owner { id } } }
      }
    }
  }
}
"""

BOARD_COLUMN_QUERY = """
query Column($processId: ID!, $first: Int, $after: String) {
  board(processId: $processId) {
    columns { stage { name } deals(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id name } } } }
  }
}
"""

PRODUCT_FIELDS = "id name code unitPrice active"

CREATE_PRODUCT_MUTATION = f"""
mutation CreateProduct($input: ProductInput!) {{
  createProduct(input: $input) {{ product {{ {PRODUCT_FIELDS} }} errors {{ code message field }} }}
}}
"""

UPDATE_PRODUCT_MUTATION = f"""
mutation UpdateProduct($input: UpdateProductInput!) {{
  updateProduct(input: $input) {{ product {{ {PRODUCT_FIELDS} }} errors {{ code message field }} }}
}}
"""

PRODUCTS_QUERY = f"""
query Products($includeArchived: Boolean) {{
  products(includeArchived: $includeArchived) {{ {PRODUCT_FIELDS} }}
}}
"""

SET_LINE_ITEMS_MUTATION = f"""
mutation SetLineItems($input: SetLineItemsInput!) {{
  setDealLineItems(input: $input) {{ {DEAL_PAYLOAD} }}
}}
"""

LEAD_FIELDS = """
  id name company contactPerson email phone source status disqualifiedReason note version
  createdAt updatedAt owner { id name } deal { id name value }
"""
LEAD_PAYLOAD = f"lead {{ {LEAD_FIELDS} }} errors {{ code message field }}"

CREATE_LEAD_MUTATION = f"""
mutation CreateLead($input: CreateLeadInput!) {{ createLead(input: $input) {{ {LEAD_PAYLOAD} }} }}
"""

UPDATE_LEAD_MUTATION = f"""
mutation UpdateLead($input: UpdateLeadInput!) {{ updateLead(input: $input) {{ {LEAD_PAYLOAD} }} }}
"""

CLAIM_LEAD_MUTATION = f"""
mutation ClaimLead($id: ID!) {{ claimLead(input: {{id: $id}}) {{ {LEAD_PAYLOAD} }} }}
"""

QUALIFY_LEAD_MUTATION = f"""
mutation QualifyLead($input: QualifyLeadInput!) {{
  qualifyLead(input: $input) {{
    lead {{ {LEAD_FIELDS} }} deal {{ {DEAL_FIELDS} }} errors {{ code message field }}
  }}
}}
"""

DISQUALIFY_LEAD_MUTATION = f"""
mutation DisqualifyLead($input: DisqualifyLeadInput!) {{
  disqualifyLead(input: $input) {{ {LEAD_PAYLOAD} }}
}}
"""

REOPEN_LEAD_MUTATION = f"""
mutation ReopenLead($id: ID!) {{ reopenLead(input: {{id: $id}}) {{ {LEAD_PAYLOAD} }} }}
"""

LEAD_QUERY = f"query Lead($id: ID!) {{ lead(id: $id) {{ {LEAD_FIELDS} }} }}"

LEADS_QUERY = f"""
query Leads($filter: LeadFilter, $first: Int, $after: String) {{
  leads(filter: $filter, first: $first, after: $after) {{
    edges {{ cursor node {{ {LEAD_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
    totalCount
    statusCounts {{ status count }}
  }}
}}
"""
